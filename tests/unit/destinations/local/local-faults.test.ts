import { execFileSync } from 'node:child_process';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DestinationFullError,
  DestinationReadOnlyError,
  DestinationUnavailableError,
} from '../../../../src/main/destinations/errors';
import { LocalDestination } from '../../../../src/main/destinations/local/local-destination';
import { nodeFs, type LocalFs } from '../../../../src/main/destinations/local/local-fs';
import { backupFiles, bodyOf, content, errno, itemFor, makeTempFolder } from './helpers';

/** The real file system, except that temp-file writes fail with `code` after `limit` bytes. */
function failingWrites(code: string, limit: number, freeBytes = 10 ** 12): LocalFs {
  return {
    ...nodeFs,
    statfs: async () => ({ bavail: Math.floor(freeBytes / 4096), bsize: 4096 }),
    openForWrite: async (file, mode) => {
      const inner = await nodeFs.openForWrite(file, mode);
      if (!file.endsWith('.part')) return inner;
      let written = 0;
      return {
        ...inner,
        write: async (data) => {
          if (written + data.byteLength > limit) throw errno(code);
          written += data.byteLength;
          return inner.write(data);
        },
        close: () => inner.close(),
        sync: () => inner.sync(),
      };
    },
  };
}

let root: string;
beforeEach(async () => {
  root = await makeTempFolder();
});
afterEach(async () => {
  await fsp.rm(root, { recursive: true, force: true });
});

describe('faults through the file-system layer', () => {
  it('a disk that fills up half-way: typed error naming the folder and the space needed, nothing partial', async () => {
    const destination = await LocalDestination.open(root, { fs: failingWrites('ENOSPC', 200_000, 150_000) });
    const data = content(100_000);
    await destination.put(itemFor(data, { assetId: 'fits' }), bodyOf(data));
    const big = content(1_000_000);
    // The free-space check is passed by pretending there is room; the disk then fills mid-write.
    await destination.close();
    const liar = await LocalDestination.open(root, { fs: failingWrites('ENOSPC', 300_000) });
    const error = await liar
      .put(itemFor(big, { assetId: 'big', assetName: 'BIG.MOV', fileName: 'BIG.MOV' }), bodyOf(big))
      .catch((e) => e);
    expect(error).toBeInstanceOf(DestinationFullError);
    expect(error.code).toBe('destination.full');
    expect(error.message).toContain(root);
    expect(error.message).toContain('976.6 KiB needed');
    expect(error.bytesNeeded).toBe(1_000_000);
    expect(error.hint).not.toBe('');
    expect(await backupFiles(root)).toEqual(['2024/05/IMG_0001.JPG']);
    expect(await fsp.readdir(path.join(root, '.rollkeeper', 'tmp'))).toEqual([]);
    // State right after the failure: the earlier file is still indexed and intact.
    expect((await liar.verify('2024/05/IMG_0001.JPG')).status).toBe('ok');
    await liar.close();
  });

  it('refuses up front when the free space is known to be too small', async () => {
    const destination = await LocalDestination.open(root, { fs: failingWrites('ENOSPC', Infinity, 50_000) });
    const data = content(100_000);
    let pulled = false;
    async function* body(): AsyncGenerator<Uint8Array> {
      pulled = true;
      yield data;
    }
    const error = await destination.put(itemFor(data), body()).catch((e) => e);
    expect(error).toBeInstanceOf(DestinationFullError);
    expect(error.bytesFree).toBeLessThan(100_000);
    expect(pulled).toBe(false);
    // The phone stream is not left hanging.
    const stream = bodyOf(data);
    await destination.put(itemFor(data), stream).catch(() => undefined);
    expect(stream.destroyed).toBe(true);
    await destination.close();
  });

  it('a folder that turned read-only: typed error, nothing partial', async () => {
    const destination = await LocalDestination.open(root, { fs: failingWrites('EROFS', 0) });
    const data = content(1000);
    const error = await destination.put(itemFor(data), bodyOf(data)).catch((e) => e);
    expect(error).toBeInstanceOf(DestinationReadOnlyError);
    expect(error.message).toContain(root);
    expect(await backupFiles(root)).toEqual([]);
    await destination.close();
  });

  it('a NAS that drops off mid-write: unavailable, nothing partial', async () => {
    const destination = await LocalDestination.open(root, { fs: failingWrites('ENOTCONN', 1000) });
    const data = content(5000);
    const error = await destination.put(itemFor(data), bodyOf(data, 500)).catch((e) => e);
    expect(error).toBeInstanceOf(DestinationUnavailableError);
    expect(await backupFiles(root)).toEqual([]);
    await destination.close();
  });

  it.each([
    ['the folder is gone (a drive unplugged)', (folder: string) => fsp.rm(folder, { recursive: true, force: true })],
    [
      'the folder is there but empty (a share unmounted leaves its mount point)',
      (folder: string) => fsp.rm(path.join(folder, '.rollkeeper'), { recursive: true, force: true }),
    ],
  ])('the backup vanishing while open: %s → unavailable, naming the folder', async (_case, vanish) => {
    const destination = await LocalDestination.open(root);
    const first = content(3000);
    await destination.put(itemFor(first), bodyOf(first, 1000));
    await vanish(root);
    const data = content(5000);
    const error = await destination.put(itemFor(data), bodyOf(data, 500)).catch((e) => e);
    expect(error).toBeInstanceOf(DestinationUnavailableError);
    expect((error as Error).message).toContain(root);
    expect((error as DestinationUnavailableError).hint).toMatch(/mount the network share/);
    await destination.close().catch(() => undefined);
  });
});

/**
 * The real kernel's answers, on a 1 MiB tmpfs. Needs root and mount rights (CI runs as root in
 * a privileged container); skipped elsewhere.
 */
const mountPoint = path.join('/tmp', `rk-tmpfs-${process.pid}`);
let mounted = false;
beforeAll(async () => {
  await fsp.mkdir(mountPoint, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mountPoint], { stdio: 'ignore' });
    mounted = true;
  } catch {
    mounted = false;
  }
});
afterAll(async () => {
  if (mounted) execFileSync('umount', ['-l', mountPoint], { stdio: 'ignore' });
  await fsp.rm(mountPoint, { recursive: true, force: true });
});

describe('faults from a real, tiny file system', () => {
  it('a full tmpfs: the kernel ENOSPC mid-write becomes DestinationFullError; nothing partial', async (context) => {
    if (!mounted) context.skip();
    // Only the free-space answer is faked (as a NAS that reports it wrongly would), so the
    // write really runs into the kernel's ENOSPC.
    const lyingFreeSpace: LocalFs = { ...nodeFs, statfs: async () => ({ bavail: 10 ** 9, bsize: 4096 }) };
    const destination = await LocalDestination.open(mountPoint, { fs: lyingFreeSpace });
    try {
      const small = content(100_000);
      const { location } = await destination.put(itemFor(small), bodyOf(small));
      const big = content(2_000_000);
      const error = await destination
        .put(itemFor(big, { assetId: 'big', assetName: 'BIG.MOV', fileName: 'BIG.MOV' }), bodyOf(big))
        .catch((e) => e);
      expect(error).toBeInstanceOf(DestinationFullError);
      expect(error.message).toContain(mountPoint);
      expect(error.message).toContain('1.9 MiB needed');
      expect(error.cause.code).toBe('ENOSPC');
      expect(await backupFiles(mountPoint)).toEqual([location]);
      expect(await fsp.readdir(path.join(mountPoint, '.rollkeeper', 'tmp'))).toEqual([]);
      expect((await destination.verify(location)).status).toBe('ok');
      // Space freed by the discarded temp file is usable again.
      const after = content(200_000);
      await destination.put(
        itemFor(after, { assetId: 'after', assetName: 'AFTER.JPG', fileName: 'AFTER.JPG' }),
        bodyOf(after),
      );
    } finally {
      await destination.close();
    }
  });

  it('a full tmpfs with the real free-space answer: refused before any byte is written', async (context) => {
    if (!mounted) context.skip();
    const destination = await LocalDestination.open(mountPoint);
    try {
      const big = content(1_500_000);
      const error = await destination
        .put(itemFor(big, { assetId: 'big2', assetName: 'BIG2.MOV', fileName: 'BIG2.MOV' }), bodyOf(big))
        .catch((e) => e);
      expect(error).toBeInstanceOf(DestinationFullError);
      expect(error.bytesFree).toBeLessThan(1_500_000);
      expect(error.message).toMatch(/1\.4 MiB needed, .* free\./);
    } finally {
      await destination.close();
    }
  });

  it('a read-only remount: DestinationReadOnlyError on write, still readable', async (context) => {
    if (!mounted) context.skip();
    await fsp.rm(path.join(mountPoint, '.rollkeeper'), { recursive: true, force: true });
    for (const name of await fsp.readdir(mountPoint)) await fsp.rm(path.join(mountPoint, name), { recursive: true });
    const writer = await LocalDestination.open(mountPoint);
    const data = content(1000);
    const { location } = await writer.put(itemFor(data), bodyOf(data)).finally(() => writer.close());
    execFileSync('mount', ['-o', 'remount,ro', mountPoint]);
    try {
      const error = await LocalDestination.open(mountPoint).catch((e) => e);
      expect(error).toBeInstanceOf(DestinationReadOnlyError);
      expect(error.message).toContain(mountPoint);
      const reader = await LocalDestination.open(mountPoint, { readOnly: true });
      expect(await reader.verify(location)).toEqual({ status: 'ok', location });
      await reader.close();
    } finally {
      execFileSync('mount', ['-o', 'remount,rw', mountPoint]);
    }
  });
});
