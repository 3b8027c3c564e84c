/**
 * Faults other than a pulled cable, through the whole pipeline on a simulated phone:
 * a full or read-only backup folder, a file that changes or vanishes on the phone mid-read,
 * pause/resume/cancel, hostile names from the phone, and copies altered behind the app's back.
 */
import { appendFile, mkdir, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackupSummary, FileEvent } from '../../../src/main/backup/backup-run';
import { openDestination } from '../../../src/main/backup/open-destination';
import { verifyDestination } from '../../../src/main/backup/verify-run';
import { Catalog } from '../../../src/main/catalog/database';
import { type LocalFs, nodeFs } from '../../../src/main/destinations/local/local-fs';
import { type Rig, type RigPhone, checkConsistent, storedFiles, startRig } from './backup-rig';

let rig: Rig;
let phone: RigPhone;
let slow: RigPhone;

beforeAll(async () => {
  rig = await startRig();
  phone = await rig.addPhone({ seed: 'faults', photos: 10, videos: 2, live: 3 });
  // 20 ms a round trip: slow enough to pause and cancel in the middle of the run.
  slow = await rig.addPhone({ seed: 'slow', photos: 10, videos: 2, live: 3 }, { latencyMs: 20 });
});
afterAll(async () => rig?.close());

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: simulated`), { code });
}

/** A disk that holds `budget` bytes of copies: statfs tells the truth, and writes past it fail with ENOSPC. */
function diskOf(budget: number, { lieAboutSpace = false } = {}): LocalFs {
  let written = 0;
  return {
    ...nodeFs,
    statfs: async () => ({ bavail: lieAboutSpace ? 1e12 : Math.max(0, budget - written), bsize: 1 }),
    async openForWrite(file, mode) {
      const handle = await nodeFs.openForWrite(file, mode);
      if (!file.endsWith('.part')) return handle;
      return {
        write: async (data) => {
          if (written + data.byteLength > budget) throw errno('ENOSPC');
          written += data.byteLength;
          return handle.write(data);
        },
        sync: () => handle.sync(),
        close: () => handle.close(),
      };
    },
  };
}

const readOnlyDisk: LocalFs = {
  ...nodeFs,
  async openForWrite(file, mode) {
    if (file.endsWith('.part')) throw errno('EROFS');
    return nodeFs.openForWrite(file, mode);
  },
};

async function expectNothingMarkedThatIsNotStored(): Promise<void> {
  const stored = await checkConsistent(rig, rig.destRoot, phone.files.values());
  rig.withCatalog((catalog) => {
    const id = catalog.destinations.list()[0]!.id;
    const counts = catalog.copies.countByState(id);
    expect(counts.copying).toBe(0);
    // Every copy the catalog counts as copied or verified is in the folder.
    expect(counts.copied + counts.verified).toBe(stored.size);
  });
}

describe('the backup folder', () => {
  const totalBytes = () => [...phone.files.values()].reduce((sum, f) => sum + f.size, 0);

  it.each([
    ['says it is full (free space checked before a write)', false],
    ['fills up in the middle of a write (ENOSPC)', true],
  ])('%s: the run stops naming the folder and the space needed', async (_name, lie) => {
    await rig.fresh();
    const summary = await rig.backup(phone, {
      fs: diskOf(Math.floor(totalBytes() * 0.4), { lieAboutSpace: lie }),
      concurrency: 1,
    });
    expect(summary.state).toBe('failed');
    expect(summary.error?.code).toBe('destination.full');
    expect(summary.error?.message).toContain(rig.destRoot);
    expect(summary.error?.message).toMatch(/KiB needed|bytes needed/);
    expect(summary.copied).toBeGreaterThan(0);
    await expectNothingMarkedThatIsNotStored();
    expect((await storedFiles(rig.destRoot)).length).toBe(summary.copied);
    // With room again, the next run finishes the job.
    const after = await rig.backup(phone);
    expect(after).toMatchObject({ state: 'completed', failed: 0 });
    expect(after.copied + summary.copied).toBe(new Set([...phone.files.values()].map((f) => f.sha256)).size);
  });

  it('is read-only: the run stops at once with what to do, nothing marked copied', async () => {
    await rig.fresh();
    const summary = await rig.backup(phone, { fs: readOnlyDisk });
    expect(summary).toMatchObject({ state: 'failed', copied: 0 });
    expect(summary.error).toMatchObject({ code: 'destination.read-only' });
    expect(summary.error!.message).toContain(rig.destRoot);
    expect(summary.error!.hint).toMatch(/write-protected|permission/);
    await expectNothingMarkedThatIsNotStored();
    expect(await storedFiles(rig.destRoot)).toEqual([]);
  });
});

describe('a file on the phone', () => {
  it('that changes size or vanishes mid-read is retried, then reported, never stored half', async () => {
    await rig.fresh();
    const [grown, shrunk, gone] = [...phone.files.keys()].filter((p) => p.startsWith('DCIM/'));
    phone.phone.afc.faults = { changeSize: { [`/${grown}`]: 10, [`/${shrunk}`]: -10 }, vanishOnOpen: [`/${gone}`] };
    const failed: FileEvent[] = [];
    let summary: BackupSummary;
    try {
      summary = await rig.backup(phone, {
        onRun: (run) => run.on('file', (e) => e.state === 'failed' && failed.push(e)),
      });
    } finally {
      phone.phone.afc.faults = undefined;
    }
    expect(summary).toMatchObject({ state: 'completed', failed: 3 });
    const codes = Object.fromEntries(failed.map((e) => [e.path, e.error?.code]));
    expect(codes).toEqual({
      [grown!]: 'backup.file-changed',
      [shrunk!]: 'backup.file-changed',
      [gone!]: 'backup.file-vanished',
    });
    const stored = await checkConsistent(rig, rig.destRoot, phone.files.values());
    for (const p of [grown!, shrunk!, gone!]) expect(stored.has(phone.files.get(p)!.sha256)).toBe(false);
    // Once the phone is settled, the next run copies them.
    const after = await rig.backup(phone);
    expect(after).toMatchObject({ state: 'completed', failed: 0, copied: 3 });
  });
});

describe('pause, resume and cancel', () => {
  it('pause stops reading at once; resume finishes the run', async () => {
    await rig.fresh();
    let pausedAt = -1;
    let copiedWhilePaused = 0;
    let paused = false;
    const summary = await rig.backup(slow, {
      onRun: (run) => {
        run.on('file', (e) => {
          if (paused && e.state === 'copied') copiedWhilePaused++;
          if (e.state === 'copied' && pausedAt < 0) {
            run.pause();
            paused = true;
            pausedAt = run.progress.bytesDone;
            setTimeout(() => {
              expect(run.state).toBe('paused');
              paused = false;
              run.resume();
            }, 300);
          }
        });
      },
    });
    expect(pausedAt).toBeGreaterThan(0);
    expect(copiedWhilePaused).toBe(0);
    expect(summary).toMatchObject({ state: 'completed', failed: 0 });
    const stored = await checkConsistent(rig, rig.destRoot, slow.files.values());
    expect(stored.size).toBe(new Set([...slow.files.values()].map((f) => f.sha256)).size);
  });

  it('cancel ends the run; the next run copies only the rest', async () => {
    await rig.fresh();
    const summary = await rig.backup(slow, {
      onRun: (run) => run.on('file', (e) => e.state === 'copied' && run.cancel()),
    });
    expect(summary.state).toBe('cancelled');
    expect(summary.error?.code).toBe('backup.cancelled');
    const distinct = new Set([...slow.files.values()].map((f) => f.sha256)).size;
    expect(summary.copied).toBeLessThan(distinct);
    await checkConsistent(rig, rig.destRoot, slow.files.values());
    const after = await rig.backup(slow);
    expect(after).toMatchObject({ state: 'completed', failed: 0 });
    // Files verified before the cancel are not planned again. (Files whose write had committed
    // when the cancel came are planned, but only read back: they count as deduplicated.)
    expect(after.copied + after.deduplicated).toBe(slow.files.size - summary.copied - summary.deduplicated);
    expect(after.copied).toBeLessThanOrEqual(distinct - summary.copied);
    const stored = await checkConsistent(rig, rig.destRoot, slow.files.values());
    expect(stored.size).toBe(distinct);
  });
});

describe('hostile names from the phone', () => {
  it('are stored inside the backup folder, never outside it', async () => {
    await rig.fresh();
    const media = phone.media;
    const folder = 'DCIM/190APPLE';
    await mkdir(path.join(media, folder), { recursive: true });
    const names = [
      'Cafe\u0301.HEIC', // NFD
      'Caf\u00e9.HEIC', // NFC: the same name to a Mac, a different one to Linux
      'img_0001.heic',
      'IMG_0001.HEIC', // differs only in case
      `${'L'.repeat(240)}.JPG`,
      '..HEIC',
    ];
    const hostileAssetNames = [
      '../../../../escape.HEIC',
      'a/b/../../../c.JPG',
      'nul\u0000name.HEIC',
      '..',
      '.',
      `${'x'.repeat(2000)}.MOV`,
    ];
    const base = { ...phone.assets[0]!, flags: phone.assets[0]!.flags };
    const assets = names.map((name, i) => ({
      ...base,
      id: `hostile-${i}`,
      originalName: hostileAssetNames[i] ?? name,
      resources: [{ role: 'original' as const, path: `${folder}/${name}`, size: 0, mtimeMs: 1_700_000_000_000 }],
    }));
    for (const [i, asset] of assets.entries()) {
      const bytes = Buffer.from(`hostile file ${i}\n`.repeat(50 + i));
      await writeFile(path.join(media, asset.resources[0]!.path), bytes);
      asset.resources[0]!.size = bytes.length;
    }
    // A path with a NUL cannot even be asked for over AFC: it must fail as that file's error.
    assets.push({
      ...base,
      id: 'hostile-nul',
      originalName: 'x.HEIC',
      resources: [{ role: 'original', path: `${folder}/IMG\u0000.HEIC`, size: 5, mtimeMs: 0 }],
    });
    const outside = async () =>
      (await readdir(rig.dir, { recursive: true }))
        .filter((p) => !p.startsWith('dest-') && !p.startsWith('data-') && !p.startsWith('phone-'))
        .sort();
    const before = await outside();
    const failed: FileEvent[] = [];
    const summary = await rig.backup(
      { ...phone, assets },
      { onRun: (run) => run.on('file', (e) => e.state === 'failed' && failed.push(e)) },
    );
    expect(summary).toMatchObject({ state: 'completed', copied: names.length, failed: 1 });
    expect(failed[0]!.error?.code).toBe('afc.invalid-path');
    expect(await outside()).toEqual(before);
    const stored = await storedFiles(rig.destRoot);
    expect(stored).toHaveLength(names.length);
    for (const file of stored) {
      expect(file.startsWith('..')).toBe(false);
      expect(file).not.toContain('\u0000');
      expect(Buffer.byteLength(path.posix.basename(file))).toBeLessThanOrEqual(255);
    }
    // Names equal to a case-insensitive or normalising disk got distinct names.
    const folded = new Set(stored.map((f) => f.normalize('NFC').toLowerCase()));
    expect(folded.size).toBe(stored.length);
    for (const asset of assets.slice(0, names.length)) {
      const bytes = await readFile(path.join(media, asset.resources[0]!.path));
      const matches = [];
      for (const file of stored) if ((await readFile(path.join(rig.destRoot, file))).equals(bytes)) matches.push(file);
      expect(matches).toHaveLength(1);
    }
    await rm(path.join(media, folder), { recursive: true, force: true });
  });
});

describe('verify', () => {
  it('finds copies altered or deleted behind the app, marks them, and the next backup copies them anew', async () => {
    await rig.fresh();
    expect(await rig.backup(phone)).toMatchObject({ state: 'completed', failed: 0 });
    const [flipped, cut, deleted, grown] = await storedFiles(rig.destRoot);
    const flippedPath = path.join(rig.destRoot, flipped!);
    const bytes = await readFile(flippedPath);
    bytes[bytes.length >> 1] ^= 0xff; // same size, one byte different
    await writeFile(flippedPath, bytes);
    await truncate(path.join(rig.destRoot, cut!), 10);
    await rm(path.join(rig.destRoot, deleted!));
    await appendFile(path.join(rig.destRoot, grown!), 'x');

    const catalog = Catalog.open(rig.catalogFile);
    const { destination, id } = await openDestination(rig.destRoot, catalog);
    const events: Array<{ status: string; location: string }> = [];
    try {
      const summary = await verifyDestination({
        catalog,
        destination,
        destinationId: id,
        onCopy: (e) => events.push(e),
      });
      expect(summary).toMatchObject({ altered: 3, missing: 1 });
      expect(
        events
          .filter((e) => e.status === 'altered')
          .map((e) => e.location)
          .sort(),
      ).toEqual([flipped, cut, grown].sort());
      expect(events.find((e) => e.status === 'missing')?.location).toBe(deleted);
      const counts = catalog.copies.countByState(id);
      expect(counts).toMatchObject({ failed: 3, missing: 1, verified: summary.ok });
      // Nothing altered is left where a backup would trust it.
      for (const file of [flipped, cut, grown])
        await expect(readFile(path.join(rig.destRoot, file!))).rejects.toThrow();
    } finally {
      await destination.close();
      catalog.close();
    }

    expect(await rig.backup(phone)).toMatchObject({ state: 'completed', failed: 0, copied: 4 });
    const stored = await checkConsistent(rig, rig.destRoot, phone.files.values());
    expect(stored.size).toBe(new Set([...phone.files.values()].map((f) => f.sha256)).size);
  });
});
