/**
 * Group commit: files ready at the same moment share one journal fsync and one folder fsync,
 * without weakening crash safety (an intent is durable before its rename; a batch killed at any
 * step reopens consistent).
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PutItem } from '../../../../src/main/destinations/destination';
import { LocalDestination } from '../../../../src/main/destinations/local/local-destination';
import { nodeFs, type LocalFs } from '../../../../src/main/destinations/local/local-fs';
import { freezingFs } from './freezing-fs';
import { expectConsistentAfterCrash, livePhotoAndTwin, putUntilKilled, sweepCrashPoints } from './crash-points';
import { backupFiles, bodyOf, content, errno, itemFor, listAll, makeTempFolder, sha256 } from './helpers';

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
function named(data: Buffer, name: string): PutItem {
  return itemFor(data, { assetId: name, assetName: `${name}.JPG`, fileName: `${name}.JPG` });
}

/**
 * The real file system, counting fsyncs of the journal and of folders and closes of temp files
 * (a put's last step before it queues its commit), with the first folder fsync of a put held
 * until `release()`: the write lock stays taken, so the puts that arrive meanwhile queue up and
 * must go in as one batch. Counting starts after `open`.
 */
function gatedFs(inner: LocalFs = nodeFs) {
  const counts = { journalSyncs: 0, folderSyncs: 0, tempCloses: 0 };
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
          return handle.sync();
        },
        close: async () => {
          await handle.close();
          // Closed: the put goes on to queue its commit without another wait.
          if (armed && file.endsWith('.part')) counts.tempCloses += 1;
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

/**
 * Put FIRST and hold it at its folder fsync (the gate of `gatedFs`), then put A, B and C: they
 * are written and wait for the write lock, to go in as one batch once the gate is released.
 */
async function queueBatchBehindFirst(
  destination: LocalDestination,
  counts: { folderSyncs: number; tempCloses: number },
) {
  const first = content(1000);
  const firstPut = destination.put(named(first, 'FIRST'), bodyOf(first));
  await until(() => counts.folderSyncs === 1);
  const data = { A: content(2000), B: content(3000), C: content(4000) };
  const puts = Object.entries(data).map(([name, bytes]) => destination.put(named(bytes, name), bodyOf(bytes)));
  await until(() => counts.tempCloses === 4);
  return { first, firstPut, data, puts };
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
    await until(() => counts.tempCloses === 7); // all six written, fsynced and closed: waiting for the lock
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
    await until(() => counts.tempCloses === 5);
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
        if (to.endsWith('B.JPG')) throw errno('EXDEV');
        return gated.rename(from, to);
      },
    };
    const destination = await LocalDestination.open(root, { fs });
    arm();
    const { firstPut, data, puts } = await queueBatchBehindFirst(destination, counts);
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
    const { first, firstPut, data, puts } = await queueBatchBehindFirst(destination, counts);
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
    const other = content(50_000);
    const items = [
      ...livePhotoAndTwin(),
      // Another asset also called IMG_0007: the two must get different stems.
      { item: itemFor(other, { assetId: 'b', assetName: 'IMG_0007.HEIC', fileName: 'IMG_0007.HEIC' }), data: other },
    ];
    const totalSteps = await sweepCrashPoints({
      root,
      maxSteps: 2000,
      work: async (destination, confirmed) => {
        // All four at once: their commits share batches.
        await Promise.all(
          items.map(async ({ item, data }) =>
            confirmed.push((await destination.put(item, bodyOf(data, 16_384))).location),
          ),
        );
      },
      afterReopen: async (reopened) => {
        for (const { item, data } of items) await reopened.put(item, bodyOf(data));
        const stored = await listAll(reopened);
        expect(stored).toHaveLength(3);
        // Which asset got the plain stem depends on the order the puts ran in; the Live Photo's
        // two halves share one stem either way.
        // (the still may be stored under 'dup', whose content it shares).
        const liveStems = stored.filter((e) => e.assetId === 'live').map((e) => e.location.replace(/\.[^.]+$/, ''));
        expect(new Set(liveStems).size).toBe(1);
      },
    });
    expect(totalSteps).toBeGreaterThan(30);
  });

  it('survives kill -9 while puts run four at a time', async () => {
    const reported = await putUntilKilled(
      root,
      3,
      (round) => [`p${round}`, '4'],
      (round) => 12 + round * 9,
    );
    const destination = await LocalDestination.open(root);
    await expectConsistentAfterCrash(root, destination, reported);
    await destination.close();
  });
});
