/**
 * The acceptance run: a generated roll backed up to a temp folder. Every resource arrives
 * byte-identical (checked against the roll's manifest, not against our own hashes), files are
 * laid out by date with a Live Photo's halves and edits side by side, the catalog says verified
 * only for what was read back, a second run copies nothing, and a second phone holding some of
 * the same photos copies only its new ones.
 */
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalDestination } from '../../../src/main/destinations/local/local-destination';
import { type Rig, type RigPhone, sha256File, startRig } from './backup-rig';

let rig: Rig;
let first: RigPhone;

beforeAll(async () => {
  rig = await startRig();
  first = await rig.addPhone({ seed: 'accept', photos: 24, videos: 4, live: 6 });
});
afterAll(async () => rig?.close());

describe('a first backup of a generated roll', () => {
  it('copies every resource byte-identical, by date, Live pairs and edits together', async () => {
    const files: string[] = [];
    const assetEvents: string[] = [];
    const summary = await rig.backup(first, {
      onRun: (run) => {
        run.on('file', (event) => event.state === 'copied' && files.push(event.path));
        run.on('asset', (event) => event.state === 'verified' && assetEvents.push(event.assetKey));
      },
    });
    // One event per asset with files on the phone, once all of them are verified.
    expect(assetEvents.sort()).toEqual(
      first.assets
        .filter((a) => a.resources.length > 0)
        .map((a) => a.id)
        .sort(),
    );
    const expectedFiles = first.files.size;
    expect(summary.state).toBe('completed');
    expect(summary.failed).toBe(0);
    expect(summary.copied + summary.deduplicated).toBe(expectedFiles);
    expect(summary.bytes).toBeGreaterThan(0);

    const dest = await LocalDestination.open(rig.destRoot, { readOnly: true });
    const entries = [];
    for await (const entry of dest.list()) entries.push(entry);
    await dest.close();
    // Every phone file's content is stored once, byte-identical to the manifest's hash.
    const stored = new Map(entries.map((e) => [e.hashes.sha256, e]));
    for (const [phonePath, file] of first.files) {
      const entry = stored.get(file.sha256);
      expect(entry, phonePath).toBeDefined();
      expect(await sha256File(path.join(rig.destRoot, entry!.location))).toBe(file.sha256);
    }
    // Laid out by date: yyyy/mm (or deeper) folders taken from the local capture date.
    for (const asset of first.manifest.assets) {
      if (asset.resources.length === 0) continue;
      const local = new Date(asset.captureTime.utcMs + asset.captureTime.offsetMinutes * 60_000);
      const year = String(local.getUTCFullYear());
      const month = String(local.getUTCMonth() + 1).padStart(2, '0');
      const locations = asset.resources.map((r) => stored.get(r.sha256)!.location);
      for (const location of new Set(locations)) {
        expect(location.split('/').slice(0, 2), location).toEqual([year, month]);
      }
      // A Live Photo's still and video, and an edit, sit in one folder with one stem.
      if (asset.resources.length > 1 && new Set(asset.resources.map((r) => r.sha256)).size === asset.resources.length) {
        const folders = new Set(locations.map((l) => path.posix.dirname(l)));
        expect(folders.size, locations.join(', ')).toBe(1);
      }
    }
    // The catalog says verified for exactly the stored contents.
    rig.withCatalog((catalog) => {
      const destination = catalog.destinations.list()[0]!;
      const counts = catalog.copies.countByState(destination.id);
      expect(counts.verified).toBe(stored.size);
      expect(counts.copying + counts.copied + counts.failed + counts.missing + counts.unknown).toBe(0);
      const run = catalog.runs.recent(1)[0]!;
      expect(run).toMatchObject({ state: 'completed', itemsFailed: 0 });
      // The backup's contents are on the timeline too: an item of the destination holds the
      // same content as the phone's asset (so it stays after the phone frees its space).
      const live = first.manifest.assets.find((a) => a.kind === 'live' && a.resources.length === 2)!;
      const original = live.resources.find((r) => r.role === 'original')!;
      const members = catalog.assets.findByContent(original.sha256);
      const inBackup = members.find((m) => m.destinationId === destination.id);
      expect(inBackup?.resources.map((r) => r.role).sort()).toEqual(['live-video', 'original']);
      expect(members.some((m) => m.deviceId !== null)).toBe(true);
    });
    expect(files.length).toBe(summary.copied);
  });

  it('copies nothing on a second run', async () => {
    const summary = await rig.backup(first);
    expect(summary).toMatchObject({ state: 'completed', copied: 0, failed: 0, bytes: 0 });
  });

  it('copies only the new photos of a second phone that shares some', async () => {
    const second = await rig.addPhone({ seed: 'second phone', photos: 8, videos: 1, live: 2 });
    // The second phone also holds eight of the first phone's assets (say, shared by AirDrop),
    // in a folder of its own and under its own library ids.
    const sharedAssets = first.assets.filter((a) => a.resources.length > 0).slice(0, 8);
    await mkdir(path.join(second.media, 'DCIM/150APPLE'), { recursive: true });
    for (const asset of sharedAssets) {
      const resources = [];
      for (const r of asset.resources) {
        const copyPath = `DCIM/150APPLE/${r.role}-${path.posix.basename(r.path)}`;
        await copyFile(path.join(first.media, r.path), path.join(second.media, copyPath));
        resources.push({ ...r, path: copyPath });
        second.files.set(copyPath, first.files.get(r.path)!);
      }
      second.assets.push({ ...asset, id: `shared-${asset.id}`, resources });
    }
    const known = new Set([...first.files.values()].map((f) => f.sha256));
    const newContents = new Set([...second.files.values()].map((f) => f.sha256).filter((h) => !known.has(h)));
    const sharedFiles = [...second.files.values()].filter((f) => known.has(f.sha256)).length;
    expect(sharedFiles).toBeGreaterThanOrEqual(8);

    const before = await countStoredFiles(rig.destRoot);
    const summary = await rig.backup(second);
    expect(summary).toMatchObject({ state: 'completed', failed: 0, copied: newContents.size });
    expect(summary.deduplicated).toBe(second.files.size - newContents.size);
    expect(await countStoredFiles(rig.destRoot)).toBe(before + newContents.size);
  });
});

async function countStoredFiles(root: string): Promise<number> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile() && !path.relative(root, e.parentPath).startsWith('.rollkeeper')).length;
}
