/**
 * Copies Photos.sqlite with its -wal and -shm off the phone into a private temp folder (0700,
 * deleted by `cleanup`). The phone's database is a live WAL database: its newest rows may be only
 * in the -wal, so the three files travel together, and the copy, never the phone's file, is opened
 * (read-only). A missing -wal/-shm is fine (the phone checkpointed and removed them).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LibraryUnreadableError } from './scan-errors';
import type { PhoneFiles } from './phone-files';

/** The library database, relative to the media root. */
export const LIBRARY_DB_PATH = 'PhotoData/Photos.sqlite';
export const LIBRARY_FILES = [LIBRARY_DB_PATH, `${LIBRARY_DB_PATH}-wal`, `${LIBRARY_DB_PATH}-shm`] as const;
/**
 * A 100,000-asset library is well under 1 GiB; a file claiming more than this is not copied
 * (it would fill the temp disk for nothing): the scan lists DCIM instead.
 */
export const MAX_LIBRARY_BYTES = 8 * 1024 ** 3;

export interface LibraryCopy {
  /** The local copy of Photos.sqlite (its -wal/-shm beside it). */
  dbPath: string;
  bytes: number;
  /** Removes the temp folder and everything in it. */
  cleanup(): void;
}

export async function copyPhotoLibrary(files: PhoneFiles, signal?: AbortSignal): Promise<LibraryCopy> {
  const main = await files.stat(LIBRARY_DB_PATH);
  if (!main || main.type !== 'file') throw new LibraryUnreadableError('PhotoData/Photos.sqlite is not on the iPhone.');
  const [wal, shm] = await Promise.all([files.stat(LIBRARY_FILES[1]), files.stat(LIBRARY_FILES[2])]);
  if (main.size + (wal?.size ?? 0) > MAX_LIBRARY_BYTES) {
    throw new LibraryUnreadableError(
      `it claims ${main.size + (wal?.size ?? 0)} bytes, more than a photo library can be.`,
    );
  }
  // mkdtemp creates the folder with mode 0700: other users of this computer cannot read the copy.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rollkeeper-library-'));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  try {
    const copied = await Promise.all(
      LIBRARY_FILES.map(async (rel) => {
        const target = path.join(dir, path.posix.basename(rel));
        if ((rel === LIBRARY_FILES[1] && !wal) || (rel === LIBRARY_FILES[2] && !shm)) return 0;
        return files.copyTo(rel, target, signal);
      }),
    );
    return { dbPath: path.join(dir, 'Photos.sqlite'), bytes: copied.reduce((a, b) => a + b, 0), cleanup };
  } catch (error) {
    cleanup();
    throw error;
  }
}
