/** Copying Photos.sqlite off the phone: private temp folder, WAL companions, sizes refused. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { AfcClient } from '../../../src/main/device/afc/afc-client';
import { AfcError } from '../../../src/main/device/afc/errors';
import { copyPhotoLibrary } from '../../../src/main/library/library-copy';
import { PhoneFiles } from '../../../src/main/library/phone-files';
import { LibraryUnreadableError } from '../../../src/main/library/scan-errors';

/** A phone with these files (path → bytes, or a claimed size only), behind a pool-like `use`. */
function phone(files: Record<string, Buffer | number>) {
  const opened: string[] = [];
  const client = {
    async stat(p: string) {
      const f = files[p.replace(/^\//, '')];
      if (f === undefined) throw new AfcError(8n, `GET_FILE_INFO ${p}`);
      return { size: BigInt(typeof f === 'number' ? f : f.length), type: 'file', mtimeMs: 1, birthtimeMs: 1 };
    },
    createReadStream(p: string) {
      opened.push(p);
      const f = files[p.replace(/^\//, '')];
      return Readable.from(typeof f === 'number' ? [] : [f!]);
    },
  } as unknown as AfcClient;
  return { files: new PhoneFiles({ use: (task) => task(client) }), opened };
}

describe('copyPhotoLibrary', () => {
  it('copies the database with its -wal and -shm into a private folder that cleanup removes', async () => {
    const { files } = phone({
      'PhotoData/Photos.sqlite': Buffer.from('main'),
      'PhotoData/Photos.sqlite-wal': Buffer.from('wal'),
      'PhotoData/Photos.sqlite-shm': Buffer.from('shm'),
    });
    const copy = await copyPhotoLibrary(files);
    const dir = path.dirname(copy.dbPath);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(readFileSync(copy.dbPath, 'utf8')).toBe('main');
    expect(readFileSync(`${copy.dbPath}-wal`, 'utf8')).toBe('wal');
    expect(readFileSync(`${copy.dbPath}-shm`, 'utf8')).toBe('shm');
    expect(copy.bytes).toBe(10);
    expect(files.bytesReceived).toBe(10);
    copy.cleanup();
    expect(existsSync(dir)).toBe(false);
  });

  it('works without the WAL companions (a checkpointed library)', async () => {
    const { files } = phone({ 'PhotoData/Photos.sqlite': Buffer.from('only') });
    const copy = await copyPhotoLibrary(files);
    expect(existsSync(`${copy.dbPath}-wal`)).toBe(false);
    copy.cleanup();
  });

  it('refuses a missing library and an implausible size without reading a byte', async () => {
    await expect(copyPhotoLibrary(phone({}).files)).rejects.toBeInstanceOf(LibraryUnreadableError);
    const huge = phone({ 'PhotoData/Photos.sqlite': 9 * 1024 ** 3 });
    await expect(copyPhotoLibrary(huge.files)).rejects.toThrow(/more than a photo library can be/);
    expect(huge.opened).toEqual([]);
  });
});
