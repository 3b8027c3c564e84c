import fsp from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ContentMismatchError, LocationNotFoundError } from '../../../../src/main/destinations/errors';
import { LocalDestination } from '../../../../src/main/destinations/local/local-destination';
import {
  expectSameBytes,
  backupFiles,
  bodyOf,
  content,
  filesUnder,
  itemFor,
  md5,
  readAll,
  sha256,
  makeTempFolder,
} from './helpers';

let root: string;
let destination: LocalDestination;

beforeEach(async () => {
  root = await makeTempFolder();
  destination = await LocalDestination.open(root);
});
afterEach(async () => {
  await destination.close();
  await fsp.rm(root, { recursive: true, force: true });
});

describe('writing and reading back', () => {
  it('stores the bytes under YYYY/MM/<name> and reads them back equal, with its SHA-256', async () => {
    const data = content(300_000);
    const progress: number[] = [];
    const result = await destination.put(itemFor(data, { modifiedMs: Date.UTC(2024, 4, 12) }), bodyOf(data), {
      onProgress: (done) => progress.push(done),
    });
    expect(result).toEqual({
      location: '2024/05/IMG_0001.JPG',
      deduplicated: false,
      size: data.byteLength,
      hashes: { sha256: sha256(data) },
    });
    expect(progress.at(-1)).toBe(data.byteLength);
    expectSameBytes(await fsp.readFile(path.join(root, '2024', '05', 'IMG_0001.JPG')), data);
    expectSameBytes(await readAll(await destination.openRead(result.location)), data);
    expect((await fsp.stat(path.join(root, '2024/05/IMG_0001.JPG'))).mtimeMs).toBe(Date.UTC(2024, 4, 12));
    expect(await fsp.readdir(path.join(root, '.rollkeeper', 'tmp'))).toEqual([]);
    const info = await destination.stat(result.location);
    expect(info?.size).toBe(data.byteLength);
    expect(info?.entry?.assetId).toBe('asset-1');
    expect(await destination.freeSpace()).toBeGreaterThan(0);
  });

  it('writes an empty file', async () => {
    const result = await destination.put(itemFor(Buffer.alloc(0)), bodyOf(Buffer.alloc(0)));
    expect((await fsp.stat(path.join(root, result.location))).size).toBe(0);
  });

  it('puts unknown dates in "Unknown date/"', async () => {
    const data = content(10);
    const result = await destination.put(itemFor(data, { captureTime: null }), bodyOf(data));
    expect(result.location).toBe('Unknown date/IMG_0001.JPG');
  });

  it('lists the index with capture time, hashes, phone and asset id', async () => {
    const a = content(100);
    const b = content(200);
    await destination.put(itemFor(a), bodyOf(a));
    await destination.put(
      itemFor(b, { assetId: 'asset-2', assetName: 'IMG_0002.JPG', fileName: 'IMG_0002.JPG' }),
      bodyOf(b),
    );
    const entries = [];
    for await (const entry of destination.list()) entries.push(entry);
    entries.sort((x, y) => x.location.localeCompare(y.location));
    expect(entries.map((e) => [e.location, e.assetId, e.sourceDevice, e.hashes.sha256, e.captureTime])).toEqual([
      ['2024/05/IMG_0001.JPG', 'asset-1', 'phone-A', sha256(a), itemFor(a).captureTime],
      ['2024/05/IMG_0002.JPG', 'asset-2', 'phone-A', sha256(b), itemFor(b).captureTime],
    ]);
  });
});

describe('names and groups', () => {
  it('keeps a Live Photo and its edit side by side under one stem', async () => {
    const still = content(1000);
    const video = content(2000);
    const edit = content(500);
    const group = { assetName: 'IMG_0005.HEIC', assetId: 'live-5' };
    const a = await destination.put(itemFor(still, { ...group, fileName: 'IMG_0005.HEIC' }), bodyOf(still));
    const b = await destination.put(
      itemFor(video, { ...group, fileName: 'IMG_0005.MOV', role: 'live-video' }),
      bodyOf(video),
    );
    const c = await destination.put(
      itemFor(edit, { ...group, fileName: 'FullSizeRender.jpg', role: 'edited' }),
      bodyOf(edit),
    );
    expect([a.location, b.location, c.location]).toEqual([
      '2024/05/IMG_0005.HEIC',
      '2024/05/IMG_0005.MOV',
      '2024/05/IMG_0005 (edited).jpg',
    ]);
  });

  it('moves a whole second group to the next free stem when the name is taken', async () => {
    const first = { assetName: 'IMG_0005.HEIC', assetId: 'first' };
    const second = { assetName: 'IMG_0005.HEIC', assetId: 'second' };
    const files = [content(10), content(11), content(12), content(13)];
    await destination.put(itemFor(files[0]!, { ...first, fileName: 'IMG_0005.HEIC' }), bodyOf(files[0]!));
    const s1 = await destination.put(itemFor(files[1]!, { ...second, fileName: 'IMG_0005.HEIC' }), bodyOf(files[1]!));
    const s2 = await destination.put(
      itemFor(files[2]!, { ...second, fileName: 'IMG_0005.MOV', role: 'live-video' }),
      bodyOf(files[2]!),
    );
    const f2 = await destination.put(
      itemFor(files[3]!, { ...first, fileName: 'IMG_0005.MOV', role: 'live-video' }),
      bodyOf(files[3]!),
    );
    expect([s1.location, s2.location, f2.location]).toEqual([
      '2024/05/IMG_0005 (1).HEIC',
      '2024/05/IMG_0005 (1).MOV',
      '2024/05/IMG_0005.MOV',
    ]);
  });

  it('keeps two photos whose names differ only in case, or in Unicode normalisation', async () => {
    const upper = content(10);
    const lower = content(11);
    const nfc = content(12);
    const nfd = content(13);
    const l1 = await destination.put(itemFor(upper, { assetId: 'u', assetName: 'IMG_0001.JPG' }), bodyOf(upper));
    const l2 = await destination.put(
      itemFor(lower, { assetId: 'l', assetName: 'img_0001.jpg', fileName: 'img_0001.jpg' }),
      bodyOf(lower),
    );
    const l3 = await destination.put(
      itemFor(nfc, { assetId: 'nfc', assetName: 'Caf\u00e9.JPG', fileName: 'Caf\u00e9.JPG' }),
      bodyOf(nfc),
    );
    const l4 = await destination.put(
      itemFor(nfd, { assetId: 'nfd', assetName: 'Cafe\u0301.JPG', fileName: 'Cafe\u0301.JPG' }),
      bodyOf(nfd),
    );
    expect([l1.location, l2.location, l3.location, l4.location]).toEqual([
      '2024/05/IMG_0001.JPG',
      '2024/05/img_0001 (1).jpg',
      '2024/05/Caf\u00e9.JPG',
      '2024/05/Caf\u00e9 (1).JPG',
    ]);
    for (const [location, data] of [
      [l1.location, upper],
      [l2.location, lower],
      [l3.location, nfc],
      [l4.location, nfd],
    ] as const) {
      expectSameBytes(await fsp.readFile(path.join(root, location)), data);
    }
  });

  it('never overwrites a file it did not write', async () => {
    await fsp.mkdir(path.join(root, '2024', '05'), { recursive: true });
    await fsp.writeFile(path.join(root, '2024', '05', 'img_0001.JPG'), 'the user put this here');
    const data = content(50);
    const result = await destination.put(itemFor(data), bodyOf(data));
    expect(result.location).toBe('2024/05/IMG_0001 (1).JPG');
    expect(await fsp.readFile(path.join(root, '2024', '05', 'img_0001.JPG'), 'utf8')).toBe('the user put this here');
  });

  it('stores hostile names safely inside the destination', async () => {
    const hostile = [
      '../../outside.JPG',
      '/etc/passwd',
      '..\\..\\win.JPG',
      'a\u0000b.JPG',
      'bell\u0007.JPG',
      'CON',
      'nul.jpg',
      'COM1.HEIC',
      'trailing. . ',
      'x'.repeat(400) + '.JPG',
      '\u00e9'.repeat(200) + '.MOV',
      '..',
      '.rollkeeper',
    ];
    const locations: string[] = [];
    for (const [i, name] of hostile.entries()) {
      const data = content(20 + i);
      const result = await destination.put(
        itemFor(data, { assetId: `h${i}`, assetName: name, fileName: name }),
        bodyOf(data),
      );
      locations.push(result.location);
      expectSameBytes(await readAll(await destination.openRead(result.location)), data);
    }
    const onDisk = await backupFiles(root);
    expect(onDisk.sort()).toEqual([...locations].sort());
    for (const location of locations) {
      expect(location.startsWith('2024/05/')).toBe(true);
      const name = location.slice('2024/05/'.length);
      // eslint-disable-next-line no-control-regex
      expect(name).not.toMatch(/^\.|[/\\\0\u0007]|[. ]$/);
      expect(Buffer.byteLength(name.normalize('NFD'))).toBeLessThanOrEqual(255);
      expect(name.split('.')[0]).not.toMatch(/^(con|nul|com1)$/i);
    }
    // Nothing escaped the root.
    expect(await fsp.readdir(path.dirname(root))).not.toContain('outside.JPG');
  });

  it('refuses locations outside the destination or inside its own state', async () => {
    for (const location of ['../x', '/etc/passwd', '.rollkeeper/index.jsonl', '2024/../../x', '2024\\05\\x', '']) {
      await expect(destination.openRead(location)).rejects.toBeInstanceOf(LocationNotFoundError);
      expect(await destination.stat(location)).toBeNull();
    }
  });
});

describe('dedupe', () => {
  it('never stores the same content twice, and remembers the second owner', async () => {
    const data = content(5000);
    const first = await destination.put(itemFor(data), bodyOf(data));
    const again = await destination.put(itemFor(data), bodyOf(data));
    const other = await destination.put(
      itemFor(data, { assetId: 'copy', assetName: 'IMG_0099.JPG', fileName: 'IMG_0099.JPG' }),
      bodyOf(data),
    );
    expect(again).toEqual({ ...first, deduplicated: true });
    expect(other.location).toBe(first.location);
    expect(await backupFiles(root)).toEqual(['2024/05/IMG_0001.JPG']);
    const entry = await destination.findByHash({ sha256: sha256(data) });
    expect(entry?.alsoReferencedBy).toEqual([
      { assetId: 'copy', sourceDevice: 'phone-A', role: 'original', assetName: 'IMG_0099.JPG' },
    ]);
    // MD5 is not measured unless asked for (see the MD5 tests below).
    expect(await destination.findByHash({ md5: md5(data) })).toBeNull();
  });

  it('does not read the body when the known hash is already stored', async () => {
    const data = content(5000);
    await destination.put(itemFor(data), bodyOf(data));
    let pulled = 0;
    const body = new Readable({
      read() {
        pulled += 1;
        this.push(data);
        this.push(null);
      },
    });
    const result = await destination.put(itemFor(data, { hashes: { sha256: sha256(data) } }), body);
    expect(result.deduplicated).toBe(true);
    expect(pulled).toBe(0);
    expect(body.destroyed).toBe(true);
  });
});

describe('bad content', () => {
  it('discards a copy whose hash differs from the known one', async () => {
    const data = content(1000);
    const wrong = sha256(Buffer.from('something else'));
    const error = await destination.put(itemFor(data, { hashes: { sha256: wrong } }), bodyOf(data)).catch((e) => e);
    expect(error).toBeInstanceOf(ContentMismatchError);
    expect(error.message).toContain('sha256');
    expect(await filesUnder(root)).not.toContain('2024/05/IMG_0001.JPG');
    expect(await backupFiles(root)).toEqual([]);
    expect(await fsp.readdir(path.join(root, '.rollkeeper', 'tmp'))).toEqual([]);
  });

  it('refuses a stream longer than promised without writing it all', async () => {
    let delivered = 0;
    async function* endless(): AsyncGenerator<Uint8Array> {
      for (;;) {
        delivered += 65536;
        yield Buffer.alloc(65536);
      }
    }
    const error = await destination.put(itemFor(Buffer.alloc(100_000)), endless()).catch((e) => e);
    expect(error).toBeInstanceOf(ContentMismatchError);
    expect(delivered).toBeLessThanOrEqual(2 * 65536);
    expect(await backupFiles(root)).toEqual([]);
    expect(await fsp.readdir(path.join(root, '.rollkeeper', 'tmp'))).toEqual([]);
  });

  it('refuses a stream shorter than promised', async () => {
    const data = content(1000);
    const error = await destination.put(itemFor(data, { size: 1001 }), bodyOf(data)).catch((e) => e);
    expect(error).toBeInstanceOf(ContentMismatchError);
    expect(error.code).toBe('destination.content-mismatch');
    expect(await backupFiles(root)).toEqual([]);
  });

  it('rejects with the caller’s own abort reason', async () => {
    const controller = new AbortController();
    const reason = { why: 'user pressed stop' };
    async function* body(): AsyncGenerator<Uint8Array> {
      yield Buffer.alloc(10);
      controller.abort(reason);
      yield Buffer.alloc(10);
    }
    const error = await destination
      .put(itemFor(Buffer.alloc(20)), body(), { signal: controller.signal })
      .catch((e) => e);
    expect(error).toBe(reason);
    expect(await backupFiles(root)).toEqual([]);
  });

  it('discards a copy whose MD5 differs from the known one', async () => {
    const data = content(1000);
    const error = await destination
      .put(itemFor(data, { hashes: { md5: md5(Buffer.from('other')) } }), bodyOf(data))
      .catch((e) => e);
    expect(error).toBeInstanceOf(ContentMismatchError);
    expect(error.field).toBe('md5');
    expect(await backupFiles(root)).toEqual([]);
  });

  it('stops when aborted and leaves nothing behind', async () => {
    const controller = new AbortController();
    async function* slow(): AsyncGenerator<Uint8Array> {
      yield Buffer.alloc(1000);
      controller.abort();
      yield Buffer.alloc(1000);
    }
    const error = await destination
      .put(itemFor(Buffer.alloc(2000)), slow(), { signal: controller.signal })
      .catch((e) => e);
    expect(error.name).toBe('AbortError');
    expect(await backupFiles(root)).toEqual([]);
    expect(await fsp.readdir(path.join(root, '.rollkeeper', 'tmp'))).toEqual([]);
  });
});

describe('verify and remove', () => {
  it('finds a copy altered or deleted behind the app’s back', async () => {
    const data = content(4096);
    const { location } = await destination.put(itemFor(data), bodyOf(data));
    expect(await destination.verify(location)).toEqual({ status: 'ok', location });
    const altered = Buffer.from(data);
    altered[100] = altered[100]! ^ 0xff;
    await fsp.writeFile(path.join(root, location), altered);
    const outcome = await destination.verify(location);
    expect(outcome.status).toBe('altered');
    await fsp.rm(path.join(root, location));
    expect(await destination.verify(location)).toEqual({ status: 'missing', location });
  });

  it('moves to the trash or deletes, and forgets the entry', async () => {
    const a = content(10);
    const b = content(11);
    const la = (await destination.put(itemFor(a), bodyOf(a))).location;
    const lb = (await destination.put(itemFor(b, { assetId: 'b', assetName: 'B.JPG', fileName: 'B.JPG' }), bodyOf(b)))
      .location;
    await destination.remove(la, { toTrash: true });
    await destination.remove(lb, { toTrash: false });
    expect(await backupFiles(root)).toEqual([]);
    const trashed = (await filesUnder(root)).filter((f) => f.startsWith('.rollkeeper/trash/'));
    expect(trashed).toHaveLength(1);
    expect(trashed[0]).toMatch(/^\.rollkeeper\/trash\/\d{4}-\d{2}-\d{2}\/2024\/05\/IMG_0001\.JPG$/);
    expectSameBytes(await fsp.readFile(path.join(root, trashed[0]!)), a);
    expect(await destination.findByHash({ sha256: sha256(a) })).toBeNull();
    await expect(destination.remove(la, { toTrash: true })).rejects.toBeInstanceOf(LocationNotFoundError);
    // Content removed can be stored again.
    expect((await destination.put(itemFor(a), bodyOf(a))).deduplicated).toBe(false);
  });
});

describe('concurrent writes', () => {
  it('settles parallel puts: one copy per content, a group under one stem, no name taken twice', async () => {
    const shared = content(40_000);
    const still = content(30_000);
    const video = content(50_000);
    const others = Array.from({ length: 6 }, () => content(20_000));
    const live = { assetId: 'live', assetName: 'IMG_0010.HEIC' };
    const results = await Promise.all([
      destination.put(itemFor(still, { ...live, fileName: 'IMG_0010.HEIC' }), bodyOf(still, 4096)),
      destination.put(itemFor(video, { ...live, fileName: 'IMG_0010.MOV', role: 'live-video' }), bodyOf(video, 4096)),
      destination.put(itemFor(shared, { assetId: 's1', assetName: 'S.JPG', fileName: 'S.JPG' }), bodyOf(shared, 4096)),
      destination.put(itemFor(shared, { assetId: 's2', assetName: 'S.JPG', fileName: 'S.JPG' }), bodyOf(shared, 4096)),
      ...others.map((data, i) =>
        destination.put(
          itemFor(data, { assetId: `o${i}`, assetName: 'IMG_0010.HEIC', fileName: 'IMG_0010.HEIC' }),
          bodyOf(data, 4096),
        ),
      ),
    ]);
    // Which IMG_0010 gets the plain name depends on which write finishes first; the Live Photo's
    // halves must share whichever stem their group got.
    expect(results[0]!.location).toMatch(/^2024\/05\/IMG_0010( \(\d\))?\.HEIC$/);
    expect(results[1]!.location).toBe(results[0]!.location.replace(/\.HEIC$/, '.MOV'));
    expect(results[2]!.location).toBe(results[3]!.location);
    expect([results[2]!.deduplicated, results[3]!.deduplicated].sort()).toEqual([false, true]);
    const files = await backupFiles(root);
    expect(files).toHaveLength(2 + 1 + 6);
    expect(new Set([results[0]!, ...results.slice(4)].map((r) => r.location)).size).toBe(7);
    for (const [i, data] of others.entries()) {
      expectSameBytes(await fsp.readFile(path.join(root, results[4 + i]!.location)), data);
    }
  });
});
