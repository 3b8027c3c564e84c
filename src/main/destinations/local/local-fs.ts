/**
 * The file-system calls the local destination makes, behind one small interface, so tests can
 * inject the faults a real disk or NAS produces (ENOSPC half-way through a write, EROFS, EIO)
 * without needing root, a tiny tmpfs or a broken drive.
 */
import { constants, type Stats } from 'node:fs';
import fsp from 'node:fs/promises';
import { hashFileOffThread, type FileDigest } from '../file-hash-pool';

/** An open file being written: just what a streaming, durable write needs. */
export interface WritableFile {
  write(data: Uint8Array): Promise<{ bytesWritten: number }>;
  /** Flush data and metadata to stable storage (fsync). */
  sync(): Promise<void>;
  close(): Promise<void>;
}

export interface LocalFs {
  stat(path: string): Promise<Stats>;
  lstat(path: string): Promise<Stats>;
  mkdir(path: string, options: { recursive: boolean }): Promise<unknown>;
  readdir(path: string): Promise<string[]>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  rm(path: string, options: { recursive: boolean; force: boolean }): Promise<void>;
  realpath(path: string): Promise<string>;
  truncate(path: string, length: number): Promise<void>;
  utimes(path: string, atime: Date, mtime: Date): Promise<void>;
  readFile(path: string, encoding: 'utf8'): Promise<string>;
  statfs(path: string): Promise<{ bavail: number; bsize: number }>;
  /** `exclusive`: fail with EEXIST if the file exists (temp files, the lock); `append`: journal. */
  openForWrite(path: string, mode: 'exclusive' | 'append'): Promise<WritableFile>;
  /** Open now (so ENOENT surfaces here, not mid-stream) and stream the bytes. */
  openForRead(path: string, signal?: AbortSignal): Promise<AsyncIterable<Uint8Array>>;
  /** fsync a directory so a rename in it survives power loss (no-op where the OS cannot). */
  syncDirectory(path: string): Promise<void>;
  /**
   * Optional: size and SHA-256 of a file, read and hashed off the main thread. Without it the
   * destination hashes what `openForRead` streams. A test layer that changes what reads return
   * must leave this out (or change it the same way).
   */
  hashFile?(path: string, signal?: AbortSignal): Promise<FileDigest>;
}

/** The real file system. */
export const nodeFs: LocalFs = {
  stat: (p) => fsp.stat(p),
  lstat: (p) => fsp.lstat(p),
  mkdir: (p, options) => fsp.mkdir(p, options),
  readdir: (p) => fsp.readdir(p),
  rename: (from, to) => fsp.rename(from, to),
  unlink: (p) => fsp.unlink(p),
  rm: (p, options) => fsp.rm(p, options),
  realpath: (p) => fsp.realpath(p),
  truncate: (p, length) => fsp.truncate(p, length),
  utimes: (p, atime, mtime) => fsp.utimes(p, atime, mtime),
  readFile: (p, encoding) => fsp.readFile(p, encoding),
  statfs: async (p) => {
    const stats = await fsp.statfs(p);
    return { bavail: stats.bavail, bsize: stats.bsize };
  },
  openForWrite: async (p, mode) => {
    const flags =
      mode === 'exclusive'
        ? constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL
        : constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND;
    const handle = await fsp.open(p, flags, 0o644);
    return {
      write: (data) => handle.write(data),
      sync: () => handle.sync(),
      close: () => handle.close(),
    };
  },
  openForRead: async (p, signal) => {
    const handle = await fsp.open(p, 'r');
    // 1 MiB reads: far fewer syscalls than the 64 KiB default when re-hashing large videos.
    return handle.createReadStream({ highWaterMark: 1024 * 1024, signal, autoClose: true });
  },
  hashFile: (p, signal) => hashFileOffThread(p, signal),
  syncDirectory: async (p) => {
    let handle: fsp.FileHandle | undefined;
    try {
      handle = await fsp.open(p, 'r');
      await handle.sync();
    } catch (error) {
      // Windows cannot open a directory for fsync; some FUSE and SMB mounts answer EINVAL.
      // The rename itself already happened; only its durability across power loss is weaker.
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'ENOTSUP') throw error;
    } finally {
      await handle?.close();
    }
  },
};
