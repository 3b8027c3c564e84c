import fs from 'node:fs/promises';

/**
 * Reads `length` bytes at `offset` of one file. It may return fewer bytes only at the end of the
 * file. The scanner backs it with ranged AFC reads; tests and local files with a file handle.
 */
export type RandomAccessReader = (offset: number, length: number) => Promise<Buffer>;

/** A RandomAccessReader over a buffer already in memory. */
export function bufferReader(buffer: Buffer): RandomAccessReader {
  return async (offset, length) => buffer.subarray(offset, Math.min(buffer.length, offset + length));
}

/** A local file opened for random access; close it when done. */
export async function openFileReader(
  path: string,
): Promise<{ read: RandomAccessReader; size: number; close(): Promise<void> }> {
  const handle = await fs.open(path, 'r');
  const { size } = await handle.stat();
  return {
    size,
    read: async (offset, length) => {
      const buffer = Buffer.alloc(Math.max(0, Math.min(length, size - offset)));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
      return buffer.subarray(0, bytesRead);
    },
    close: () => handle.close(),
  };
}

/**
 * Wraps a reader so small reads near each other are served from one window: walking box headers
 * costs one round trip per window instead of one per header (each AFC read is a round trip).
 */
export function windowedReader(read: RandomAccessReader, windowSize = 32 * 1024): RandomAccessReader {
  let windowStart = -1;
  let window: Buffer = Buffer.alloc(0);
  return async (offset, length) => {
    if (length > windowSize) return read(offset, length);
    const inWindow = windowStart >= 0 && offset >= windowStart && offset + length <= windowStart + window.length;
    if (!inWindow) {
      window = await read(offset, windowSize);
      windowStart = offset;
    }
    const from = offset - windowStart;
    return window.subarray(from, Math.min(window.length, from + length));
  };
}

/**
 * Serves reads that fall inside `head` (the first bytes of the file, already read) from memory
 * and passes the rest through: the header read used to sniff the type is not paid for twice.
 */
export function headFirstReader(head: Buffer, read: RandomAccessReader): RandomAccessReader {
  return async (offset, length) =>
    offset + length <= head.length ? head.subarray(offset, offset + length) : read(offset, length);
}
