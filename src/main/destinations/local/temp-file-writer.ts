/**
 * Stream a body into a temp file while hashing it, refusing more or fewer bytes than promised,
 * and fsync it before anyone renames it into place. On any failure (abort, lying length, full
 * disk) the temp file is removed: the caller never has to clean up.
 */
import { ContentHasher } from '../content-hasher';
import type { ContentHashes } from '../destination';
import { ContentMismatchError } from '../errors';
import { writeFully } from './index-journal';
import type { LocalFs, WritableFile } from './local-fs';

export interface TempWriteOptions {
  /** Exact number of bytes the body must deliver. */
  size: number;
  /** Names the file in a mismatch message (the phone's name). */
  what: string;
  /** Also measure MD5 (SHA-256 always). */
  md5: boolean;
  signal?: AbortSignal;
  onProgress?: (bytesDone: number) => void;
}

/** Write `body` to `tempPath` (created exclusively), fsync, and return its hashes. */
export async function writeTempFile(
  fs: LocalFs,
  tempPath: string,
  body: AsyncIterable<Uint8Array>,
  options: TempWriteOptions,
): Promise<ContentHashes> {
  const { size, what, signal, onProgress } = options;
  const hasher = new ContentHasher({ md5: options.md5 });
  let file: WritableFile | undefined;
  try {
    signal?.throwIfAborted();
    file = await fs.openForWrite(tempPath, 'exclusive');
    for await (const chunk of body) {
      signal?.throwIfAborted();
      if (hasher.size + chunk.byteLength > size) {
        // Stop at once: a lying length must not fill the disk.
        throw new ContentMismatchError(what, 'size', size, `more than ${size}`);
      }
      // The write runs on libuv's thread pool; hashing meanwhile on this thread overlaps the two
      // (the chunk is not touched by either, so sharing it is safe).
      const writing = writeFully(file, chunk);
      hasher.update(chunk);
      await writing;
      onProgress?.(hasher.size);
    }
    signal?.throwIfAborted();
    if (hasher.size !== size) throw new ContentMismatchError(what, 'size', size, hasher.size);
    await file.sync();
    const closing = file;
    file = undefined;
    await closing.close();
    return hasher.digest();
  } catch (error) {
    await file?.close().catch(() => undefined);
    await fs.unlink(tempPath).catch(() => undefined);
    destroyBody(body);
    throw error;
  }
}

/** Stop a body we will not read to the end (a phone stream must not hang open). */
export function destroyBody(body: AsyncIterable<Uint8Array>): void {
  const destroyable = body as { destroy?: (error?: Error) => void };
  if (typeof destroyable.destroy === 'function') destroyable.destroy();
}
