/**
 * Group commit: files ready at the same moment share one journal fsync and one folder fsync,
 * without weakening crash safety (an intent is durable before its rename; a batch killed at any
 * step reopens consistent).
 */
import { spawn } from 'node:child_process';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IndexEntry, PutItem } from '../../../../src/main/destinations/destination';
import { LocalDestination } from '../../../../src/main/destinations/local/local-destination';
import { nodeFs, type LocalFs } from '../../../../src/main/destinations/local/local-fs';
import { freezingFs } from './freezing-fs';
import { backupFiles, bodyOf, content, itemFor, makeTempFolder, sha256 } from './helpers';

let root: string;
beforeEach(async () => {
  root = await makeTempFolder();
});
afterEach(async () => {
  await fsp.rm(root, { recursive: true, force: true });
});

const journalPath = () => path.join(root, '.rollkeeper', 'index.jsonl');
async function journalOps(): Promise<string[]> {
  const text = await fsp.readFile(journalPath(), 'utf8');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line).op as string);
}
async function listAll(destination: LocalDestination): Promise<IndexEntry[]> {
  const entries: IndexEntry[] = [];
  for await (const entry of destination.list()) entries.push(entry);
  return entries.sort((a, b) => a.location.localeCompare(b.location));
}
function named(data: Buffer, name: string): PutItem {
  return itemFor(data, { assetId: name, assetName: `${name}.JPG`, fileName: `${name}.JPG` });
}

/**
 * The real file system, counting fsyncs of the journal, temp files and folders, with the first
 * folder fsync of a put held until `release()`: the write lock stays taken, so the puts that
 * arrive meanwhile queue up and must go in as one batch. Counting starts after `open`.
 */
function gatedFs(inner: LocalFs = nodeFs) {
  const counts = { journalSyncs: 0, folderSyncs: 0, tempSyncs: 0 };
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let first = true;
  let armed = false;
  const fs: LocalFs = {
    ...inner,
    openForWrite: async (file, mode) => {
      const handle = await inner.openForWrite(file, mode);
      return {
        ...handle,
        sync: async () => {
          if (armed && file === journalPath()) counts.journalSyncs += 1;
          if (armed && file.endsWith('.part')) counts.tempSyncs += 1;
          return handle.sync();
        },
      };
    },
    syncDirectory: async (folder) => {
      if (!armed) return inner.syncDirectory(folder);
      counts.folderSyncs += 1;
      if (first) {
        first = false;
        await gate;
      }
      return inner.syncDirectory(folder);
    },
  };
  return { fs, counts, release, arm: () => (armed = true) };
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 2));
}

describe('group commit', () => {
  it('commits files that are ready together with one journal fsync and one folder fsync', async () => {
    const { fs, counts, release, arm } = gatedFs();
    const destination = await LocalDestination.open(root, { fs });
    arm();
    const first = content(10_000);
    const firstPut = destination.put(named(first, 'FIRST'), bodyOf(first));
    await until(() => counts.folderSyncs === 1); // held at its folder fsync
    const files = Array.from({ length: 6 }, (_, i) => ({ name: `F${i}`, data: content(20_000 + i) }));
    const puts = files.map(({ name, data }) => destination.put(named(data, name), bodyOf(data)));
    await until(() => counts.tempSyncs === 7); // all six written and fsynced, waiting for the lock
    release();
    const results = await Promise.all([firstPut, ...puts]);
    // The first file alone, then the six together: two journal fsyncs and two folder fsyncs.
    expect(counts.journalSyncs).toBe(2);
    expect(counts.folderSyncs).toBe(2);
    expect(results.map((r) => r.location).sort()).toEqual([
      '2024/05/F0.JPG',
      '2024/05/F1.JPG',
      '2024/05/F2.JPG',
      '2024/05/F3.JPG',
      '2024/05/F4.JPG',
      '2024/05/F5.JPG',
      '2024/05/FIRST.JPG',
    ]);
    for (const result of results) expect((await destination.verify(result.location)).status).toBe('ok');
    expect(await journalOps()).toEqual([
      'intent',
      'commit',
      ...Array<string>(6).fill('intent'),
      ...Array<string>(6).fill('commit'),
    ]);
    await destination.close();
  });

  it('names files of one batch apart, and stores content twice in one batch only once', async () => {
    const { fs, counts, release, arm } = gatedFs();
    const destination = await LocalDestination.open(root, { fs });
    arm();
    const first = content(1000);
    const firstPut = destination.put(named(first, 'FIRST'), bodyOf(first));
    await until(() => counts.folderSyncs === 1);
    const still = content(3000);
    const video = content(4000);
    const twin = content(5000);
    const puts = [
      destination.put(
        itemFor(still, { assetId: 'live', assetName: 'IMG_0007.HEIC', fileName: 'IMG_0007.HEIC' }),
        bodyOf(still),
      ),
      destination.put(
        itemFor(video, { assetId: 'live', assetName: 'IMG_0007.HEIC', fileName: 'IMG_0007.MOV', role: 'live-video' }),
        bodyOf(video),
      ),
      // Another asset with the same name: must get the next stem, not the same one.
      destination.put(
        itemFor(twin, { assetId: 'other', assetName: 'IMG_0007.HEIC', fileName: 'IMG_0007.HEIC' }),
        bodyOf(twin),
      ),
      // The same content as `twin` under a third asset: one copy, remembered for both.
      destination.put(
        itemFor(twin, { assetId: 'third', assetName: 'IMG_0009.HEIC', fileName: 'IMG_0009.HEIC' }),
        bodyOf(twin),
      ),
    ];
    await until(() => counts.tempSyncs === 5);
    release();
    const [a, b, c, d] = await Promise.all(puts);
    await firstPut;
    // Arrival order in the batch is whichever temp file was ready first, so: the Live Photo's
    // halves share one stem; the twin content is stored once, under whichever of its two
    // assets came first (`other` then needs the next free stem), and the other one refers to it.
    const stem = (location: string) => location.replace(/\.[^.]+$/, '');
    expect(stem(a!.location)).toBe(stem(b!.location));
    expect([a!.location.endsWith('.HEIC'), b!.location.endsWith('.MOV')]).toEqual([true, true]);
    expect(c!.location).toBe(d!.location);
    expect([c!.deduplicated, d!.deduplicated].sort()).toEqual([false, true]);
    const twinOwner = c!.deduplicated ? 'third' : 'other';
    const files = await backupFiles(root);
    expect(files).toHaveLength(4);
    expect(new Set(files).size).toBe(4);
    if (twinOwner === 'other') {
      expect(new Set([stem(a!.location), stem(c!.location)])).toEqual(
        new Set(['2024/05/IMG_0007', '2024/05/IMG_0007 (1)']),
      );
    } else {
      expect([a!.location, c!.location]).toEqual(['2024/05/IMG_0007.HEIC', '2024/05/IMG_0009.HEIC']);
    }
    const entry = await destination.findByHash({ sha256: sha256(twin) });
    expect(entry?.assetId).toBe(twinOwner);
    expect(entry?.alsoReferencedBy?.map((r) => r.assetId)).toEqual([twinOwner === 'other' ? 'third' : 'other']);
    expect(await fsp.readdir(path.join(root, '.rollkeeper', 'tmp'))).toEqual([]);
    await destination.close();
  });

  it('fails only the file whose rename fails; the rest of its batch is stored', async () => {
    const { fs: gated, counts, release, arm } = gatedFs();
    const fs: LocalFs = {
      ...gated,
      rename: async (from, to) => {
        if (to.endsWith('B.JPG')) throw Object.assign(new Error('EXDEV: simulated'), { code: 'EXDEV' });
        return gated.rename(from, to);
      },
    };
    const destination = await LocalDestination.open(root, { fs });
    arm();
    const first = content(1000);
    const firstPut = destination.put(named(first, 'FIRST'), bodyOf(first));
    await until(() => counts.folderSyncs === 1);
    const data = { A: content(2000), B: content(3000), C: content(4000) };
    const puts = Object.entries(data).map(([name, bytes]) => destination.put(named(bytes, name), bodyOf(bytes)));
    await until(() => counts.tempSyncs === 4);
    release();
    const [a, b, c] = await Promise.allSettled(puts);
    await firstPut;
    expect(a).toMatchObject({ status: 'fulfilled', value: { location: '2024/05/A.JPG' } });
    expect(b).toMatchObject({ status: 'rejected', reason: { code: 'destination.io' } });
    expect(c).toMatchObject({ status: 'fulfilled', value: { location: '2024/05/C.JPG' } });
    expect(await backupFiles(root)).toEqual(['2024/05/A.JPG', '2024/05/C.JPG', '2024/05/FIRST.JPG']);
    expect(await fsp.readdir(path.join(root, '.rollkeeper', 'tmp'))).toEqual([]);
    await destination.close();
    const reopened = await LocalDestination.open(root);
    expect((await listAll(reopened)).map((e) => e.location)).toEqual([
      '2024/05/A.JPG',
      '2024/05/C.JPG',
      '2024/05/FIRST.JPG',
    ]);
    // The name B.JPG was given back: the next try stores it there.
    expect((await reopened.put(named(data.B, 'B'), bodyOf(data.B))).location).toBe('2024/05/B.JPG');
    await reopened.close();
  });

  it('recovers a batch killed between its intents and its commits', async () => {
    // Killed at the second rename of a batch of three: all three intents are durable, one file
    // is in place, two are not.
    const { fs: gated, counts, release, arm } = gatedFs();
    let renames = 0;
    const frozen = freezingFs(
      {
        ...gated,
        rename: (from, to) => {
          renames += 1;
          return gated.rename(from, to);
        },
      },
      Number.MAX_SAFE_INTEGER,
    );
    let killAtRename = Infinity;
    const fs: LocalFs = {
      ...frozen.fs,
      rename: (from, to) =>
        renames + 1 >= killAtRename ? new Promise<void>(() => undefined) : frozen.fs.rename(from, to),
    };
    const destination = await LocalDestination.open(root, { fs });
    arm();
    const first = content(1000);
    const firstPut = destination.put(named(first, 'FIRST'), bodyOf(first));
    await until(() => counts.folderSyncs === 1);
    const data = { A: content(2000), B: content(3000), C: content(4000) };
    const puts = Object.entries(data).map(([name, bytes]) => destination.put(named(bytes, name), bodyOf(bytes)));
    await until(() => counts.tempSyncs === 4);
    const renamed = renames; // the marker's at open, FIRST's
    killAtRename = renamed + 2; // A's rename goes through, B's and C's never happen
    release();
    await firstPut;
    await until(() => renames === renamed + 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    void puts;
    await frozen.closeLeftovers();
    // What a kill leaves: the journal holds the three intents, and no commit for them.
    expect(await journalOps()).toEqual(['intent', 'commit', 'intent', 'intent', 'intent']);
    await fsp.rm(path.join(root, '.rollkeeper', 'lock'), { force: true });
    // The one file renamed before the kill (whichever of the batch came first) is committed,
    // the two that never reached their names are abandoned.
    const inPlace = (await backupFiles(root)).filter((file) => file !== '2024/05/FIRST.JPG');
    expect(inPlace).toHaveLength(1);
    const landed = inPlace[0]!.slice('2024/05/'.length, -'.JPG'.length) as keyof typeof data;
    const reopened = await LocalDestination.open(root);
    expect((await listAll(reopened)).map((e) => [e.location, e.hashes.sha256])).toEqual(
      [
        [`2024/05/${landed}.JPG`, sha256(data[landed])],
        ['2024/05/FIRST.JPG', sha256(first)],
      ].sort(),
    );
    expect((await journalOps()).slice(5).sort()).toEqual(['abandon', 'abandon', 'commit']);
    expect(await reopened.findStrays()).toEqual({ unindexedFiles: [], missingFiles: [] });
    expect(await fsp.readdir(path.join(root, '.rollkeeper', 'tmp'))).toEqual([]);
    for (const name of (['A', 'B', 'C'] as const).filter((n) => n !== landed)) {
      expect((await reopened.put(named(data[name], name), bodyOf(data[name]))).location).toBe(`2024/05/${name}.JPG`);
    }
    await reopened.close();
  });
});

describe('a crash at every file-system step of writes committed together', () => {
  it('always reopens to a consistent folder', async () => {
    const still = content(70_000);
    const video = content(90_000);
    const other = content(50_000);
    const group = { assetId: 'live', assetName: 'IMG_0007.HEIC' };
    const items = [
      { item: itemFor(still, { ...group, fileName: 'IMG_0007.HEIC' }), data: still },
      { item: itemFor(video, { ...group, fileName: 'IMG_0007.MOV', role: 'live-video' }), data: video },
      { item: itemFor(still, { assetId: 'dup', assetName: 'IMG_0100.HEIC', fileName: 'IMG_0100.HEIC' }), data: still },
      { item: itemFor(other, { assetId: 'b', assetName: 'IMG_0007.HEIC', fileName: 'IMG_0007.HEIC' }), data: other },
    ];
    let totalSteps = 0;
    for (let steps = 0; steps < 2000; steps += 1) {
      await fsp.rm(root, { recursive: true, force: true });
      await fsp.mkdir(root);
      const frozen = freezingFs(nodeFs, steps);
      const confirmed: string[] = [];
      const run = (async () => {
        const destination = await LocalDestination.open(root, { fs: frozen.fs });
        // All four at once: their commits share batches.
        await Promise.all(
          items.map(async ({ item, data }) =>
            confirmed.push((await destination.put(item, bodyOf(data, 16_384))).location),
          ),
        );
      })();
      await Promise.race([run, frozen.whenFrozen]);
      if (!frozen.isFrozen()) {
        totalSteps = steps;
        await frozen.closeLeftovers();
        break;
      }
      await frozen.closeLeftovers();
      await fsp.rm(path.join(root, '.rollkeeper', 'lock'), { force: true });
      const reopened = await LocalDestination.open(root);
      const entries = await listAll(reopened);
      for (const location of confirmed) expect(entries.map((e) => e.location)).toContain(location);
      for (const entry of entries) expect((await reopened.verify(entry.location)).status).toBe('ok');
      expect(await reopened.findStrays()).toEqual({ unindexedFiles: [], missingFiles: [] });
      expect(await fsp.readdir(path.join(root, '.rollkeeper', 'tmp'))).toEqual([]);
      for (const { item, data } of items) await reopened.put(item, bodyOf(data));
      const stored = await listAll(reopened);
      expect(stored).toHaveLength(3);
      // Which asset got the plain stem depends on the order the puts ran in; the Live Photo's
      // two halves share one stem either way.
      // (the still may be stored under 'dup', whose content it shares).
      const liveStems = stored.filter((e) => e.assetId === 'live').map((e) => e.location.replace(/\.[^.]+$/, ''));
      expect(new Set(liveStems).size).toBe(1);
      await reopened.close();
    }
    expect(totalSteps).toBeGreaterThan(30);
  });

  it('survives kill -9 while puts run four at a time', async () => {
    const script = path.join(import.meta.dirname, 'fixtures', 'put-until-killed.ts');
    const reported: string[] = [];
    for (let round = 0; round < 3; round += 1) {
      const child = spawn(process.execPath, ['--import', 'tsx', script, root, `p${round}`, '4'], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let stored = 0;
      await new Promise<void>((resolve, reject) => {
        child.on('error', reject);
        child.on('exit', (code) => reject(new Error(`child exited early (${code})`)));
        child.stdout.setEncoding('utf8');
        child.stdout.on('data', (text: string) => {
          for (const line of text.split('\n')) {
            if (!line.startsWith('stored ')) continue;
            reported.push(line.slice('stored '.length));
            stored += 1;
            if (stored === 12 + round * 9) {
              child.removeAllListeners('exit');
              child.on('exit', () => resolve());
              setTimeout(() => child.kill('SIGKILL'), Math.random() * 8);
            }
          }
        });
      });
    }
    const destination = await LocalDestination.open(root);
    const entries = await listAll(destination);
    const locations = new Set(entries.map((e) => e.location));
    for (const location of reported) expect(locations.has(location)).toBe(true);
    for (const entry of entries) expect((await destination.verify(entry.location)).status).toBe('ok');
    expect(await destination.findStrays()).toEqual({ unindexedFiles: [], missingFiles: [] });
    expect(await fsp.readdir(path.join(root, '.rollkeeper', 'tmp'))).toEqual([]);
    await destination.close();
  });
});
