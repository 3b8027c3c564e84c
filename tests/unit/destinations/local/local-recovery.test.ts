import fsp from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DestinationUnavailableError } from '../../../../src/main/destinations/errors';
import { LocalDestination } from '../../../../src/main/destinations/local/local-destination';
import { expectConsistentAfterCrash, livePhotoAndTwin, putUntilKilled, sweepCrashPoints } from './crash-points';
import { backupFiles, bodyOf, content, itemFor, listAll, makeTempFolder, sha256 } from './helpers';

let root: string;
const opened: LocalDestination[] = [];

async function open(options: Parameters<typeof LocalDestination.open>[1] = {}): Promise<LocalDestination> {
  const destination = await LocalDestination.open(root, options);
  opened.push(destination);
  return destination;
}
const journalPath = () => path.join(root, '.rollkeeper', 'index.jsonl');
async function journalLines(): Promise<string[]> {
  return (await fsp.readFile(journalPath(), 'utf8')).split('\n').filter((line) => line !== '');
}
/** Rewrite the journal without its last `commit` line: the state a kill -9 right after the rename leaves. */
async function dropLastCommit(): Promise<void> {
  const lines = await journalLines();
  const last = lines.findLastIndex((line) => line.includes('"op":"commit"'));
  lines.splice(last, 1);
  await fsp.writeFile(journalPath(), lines.join('\n') + '\n');
}
/** Store one file, then leave the folder as a kill -9 right after its rename would. */
async function crashJustBeforeCommit(): Promise<{ data: Buffer; location: string }> {
  const destination = await open();
  const data = content(5000);
  const { location } = await destination.put(itemFor(data), bodyOf(data));
  await destination.close();
  opened.pop();
  await dropLastCommit();
  return { data, location };
}

beforeEach(async () => {
  root = await makeTempFolder();
});
afterEach(async () => {
  for (const destination of opened.splice(0)) await destination.close();
  await fsp.rm(root, { recursive: true, force: true });
});

describe('opening', () => {
  it('refuses a missing folder and never creates it', async () => {
    const missing = path.join(root, 'unmounted-nas');
    const error = await LocalDestination.open(missing).catch((e) => e);
    expect(error).toBeInstanceOf(DestinationUnavailableError);
    expect(error.message).toContain(missing);
    await expect(fsp.stat(missing)).rejects.toThrow();
  });

  it('refuses an empty folder the catalog expects to hold a backup (an unmounted share)', async () => {
    const error = await open({ expectExisting: true }).catch((e) => e);
    expect(error).toBeInstanceOf(DestinationUnavailableError);
    expect(error.message).toMatch(/not be mounted/);
    expect(await fsp.readdir(root)).toEqual([]);
  });

  it('refuses a file given as the folder', async () => {
    const file = path.join(root, 'file');
    await fsp.writeFile(file, 'x');
    await expect(LocalDestination.open(file)).rejects.toBeInstanceOf(DestinationUnavailableError);
  });

  it('keeps its index, id and dedupe across reopen', async () => {
    const first = await open();
    const data = content(1234);
    const stored = await first.put(itemFor(data), bodyOf(data));
    await first.put(itemFor(data, { assetId: 'twin', assetName: 'IMG_0002.JPG' }), bodyOf(data));
    const before = await listAll(first);
    expect(before[0]!.alsoReferencedBy).toEqual([
      { assetId: 'twin', sourceDevice: 'phone-A', role: 'original', assetName: 'IMG_0002.JPG' },
    ]);
    await first.close();
    const second = await open({ expectExisting: true });
    expect(second.id).toBe(first.id);
    expect(await listAll(second)).toEqual(before);
    expect(await second.put(itemFor(data), bodyOf(data))).toEqual({ ...stored, deduplicated: true });
  });

  it('opens read-only for verification without a lock', async () => {
    const writer = await open();
    const data = content(99);
    const { location } = await writer.put(itemFor(data), bodyOf(data));
    const reader = await open({ readOnly: true });
    expect((await listAll(reader)).map((e) => e.location)).toEqual([location]);
    expect(await reader.verify(location)).toEqual({ status: 'ok', location });
    await expect(reader.put(itemFor(data), bodyOf(data))).rejects.toMatchObject({ code: 'destination.read-only' });
  });
});

describe('crash recovery', () => {
  it('commits a file renamed into place just before a crash', async () => {
    const { data, location } = await crashJustBeforeCommit();
    const reopened = await open();
    expect((await listAll(reopened)).map((e) => [e.location, e.hashes.sha256])).toEqual([[location, sha256(data)]]);
    expect((await journalLines()).at(-1)).toContain('"op":"commit"');
  });

  it('abandons an intent whose file never arrived, and can store that content again', async () => {
    const { data, location } = await crashJustBeforeCommit();
    await fsp.rm(path.join(root, location));
    const reopened = await open();
    expect(await listAll(reopened)).toEqual([]);
    expect((await reopened.put(itemFor(data), bodyOf(data))).deduplicated).toBe(false);
  });

  it('cuts off a journal line torn by a crash, and removes leftover temp files', async () => {
    const destination = await open();
    const data = content(100);
    await destination.put(itemFor(data), bodyOf(data));
    await destination.close();
    opened.pop();
    await fsp.appendFile(journalPath(), '{"op":"intent","entry":{"loca');
    await fsp.writeFile(path.join(root, '.rollkeeper', 'tmp', 'dead.part'), 'half a video');
    const reopened = await open();
    expect(await fsp.readdir(path.join(root, '.rollkeeper', 'tmp'))).toEqual([]);
    expect((await fsp.readFile(journalPath(), 'utf8')).endsWith('}\n')).toBe(true);
    const more = content(200);
    await reopened.put(itemFor(more, { assetId: 'x', assetName: 'X.JPG', fileName: 'X.JPG' }), bodyOf(more));
    await reopened.close();
    opened.pop();
    expect((await listAll(await open())).map((e) => e.location)).toEqual(['2024/05/IMG_0001.JPG', '2024/05/X.JPG']);
  });

  it('skips a damaged line and compacts the journal', async () => {
    const destination = await open();
    const files = [content(10), content(11), content(12)];
    for (const [i, data] of files.entries()) {
      await destination.put(
        itemFor(data, { assetId: `a${i}`, assetName: `A${i}.JPG`, fileName: `A${i}.JPG` }),
        bodyOf(data),
      );
    }
    await destination.remove('2024/05/A1.JPG', { toTrash: false });
    await destination.close();
    opened.pop();
    const lines = await journalLines();
    lines.splice(1, 0, 'this line was damaged on the NAS');
    await fsp.writeFile(journalPath(), lines.join('\n') + '\n');
    const reopened = await open();
    expect((await listAll(reopened)).map((e) => e.location)).toEqual(['2024/05/A0.JPG', '2024/05/A2.JPG']);
    expect((await journalLines()).map((line) => JSON.parse(line).op)).toEqual(['entry', 'entry']);
    const kept = (await fsp.readdir(path.join(root, '.rollkeeper'))).filter((f) =>
      f.startsWith('index.jsonl.damaged-'),
    );
    expect(kept).toHaveLength(1);
    expect(await fsp.readFile(path.join(root, '.rollkeeper', kept[0]!), 'utf8')).toContain('this line was damaged');
  });

  it('reports files the index does not know and entries whose file is gone', async () => {
    const destination = await open();
    const data = content(10);
    const { location } = await destination.put(itemFor(data), bodyOf(data));
    await fsp.mkdir(path.join(root, 'Imported by hand'));
    await fsp.writeFile(path.join(root, 'Imported by hand', 'x.jpg'), 'x');
    await fsp.rm(path.join(root, location));
    expect(await destination.findStrays()).toEqual({
      unindexedFiles: ['Imported by hand/x.jpg'],
      missingFiles: [location],
    });
  });

  it('survives kill -9 at any point: every file is indexed and intact, nothing partial remains', async () => {
    const reported = await putUntilKilled(
      root,
      4,
      (round) => [String(round)],
      (round) => 10 + round * 7,
    );
    const destination = await open();
    await expectConsistentAfterCrash(root, destination, reported);
    expect((await backupFiles(root)).length).toBe((await listAll(destination)).length);
  });
});

describe('a crash at every single file-system step of a write', () => {
  /**
   * The destination runs on a file system that stops answering after `steps` calls: the process
   * is as good as killed there (what reached the kernel stays, nothing more happens). Then a
   * fresh open on the real file system must find a consistent folder. Sweeping `steps` over
   * every call of three puts covers each gap: temp write, fsync, intent, rename, commit.
   */
  it('always reopens to a consistent folder', async () => {
    const items = livePhotoAndTwin();
    const totalSteps = await sweepCrashPoints({
      root,
      maxSteps: 1000,
      work: async (destination, confirmed) => {
        for (const { item, data } of items)
          confirmed.push((await destination.put(item, bodyOf(data, 16_384))).location);
      },
      afterReopen: async (reopened) => {
        // It keeps working: all three stored, the Live Photo's halves under one stem.
        for (const { item, data } of items) await reopened.put(item, bodyOf(data));
        expect((await listAll(reopened)).map((e) => e.location)).toEqual([
          '2024/05/IMG_0007.HEIC',
          '2024/05/IMG_0007.MOV',
        ]);
      },
    });
    expect(totalSteps).toBeGreaterThan(20);
  });
});
