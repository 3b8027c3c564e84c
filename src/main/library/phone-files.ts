/**
 * The phone's media folder as the scanners see it: listings, file facts and ranged reads over
 * AFC (one client, or B's pool of pipelined connections), with every received byte counted so
 * bench/scan.ts can report what a scan really read. Paths are relative to the media root
 * (`DCIM/100APPLE/IMG_0001.HEIC`), as resources store them.
 */
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { AfcClient, type AfcFileType } from '../device/afc/afc-client';
import type { AfcPool } from '../device/afc/afc-pool';
import { AfcError } from '../device/afc/errors';
import type { RandomAccessReader } from './random-access';

export interface PhoneFileInfo {
  size: number;
  type: AfcFileType;
  mtimeMs: number;
  birthtimeMs: number;
}

/** Either one AFC client or a pool of them. */
export type AfcSource = AfcClient | Pick<AfcPool, 'use'>;

export class PhoneFiles {
  /** Payload bytes received from the phone by reads and copies (not listings or stats). */
  bytesReceived = 0;
  /** AFC requests made through this object (listings, stats, reads, copies). */
  requests = 0;

  constructor(private readonly afc: AfcSource) {}

  /** Names in a folder; null when the folder does not exist. */
  async readDir(path: string): Promise<string[] | null> {
    this.requests++;
    try {
      return await this.use((c) => c.readDir(afcPath(path)));
    } catch (error) {
      if (error instanceof AfcError && error.isNotFound) return null;
      throw error;
    }
  }

  /** Size, type and times of a file; null when it does not exist. */
  async stat(path: string): Promise<PhoneFileInfo | null> {
    this.requests++;
    try {
      const info = await this.use((c) => c.stat(afcPath(path)));
      return { size: Number(info.size), type: info.type, mtimeMs: info.mtimeMs, birthtimeMs: info.birthtimeMs };
    } catch (error) {
      if (error instanceof AfcError && error.isNotFound) return null;
      throw error;
    }
  }

  /** Up to `length` bytes at `offset` (fewer only at the end of the file). */
  async readRange(path: string, offset: number, length: number): Promise<Buffer> {
    if (length <= 0) return Buffer.alloc(0);
    this.requests++;
    const data = await this.use((c) => c.readRange(afcPath(path), offset, length));
    this.bytesReceived += data.length;
    return data;
  }

  /** A RandomAccessReader over one phone file, for the header readers. */
  reader(path: string): RandomAccessReader {
    return (offset, length) => this.readRange(path, offset, length);
  }

  /** Streams a phone file into a local file (never whole in memory); returns the bytes copied. */
  async copyTo(path: string, localFile: string, signal?: AbortSignal): Promise<number> {
    this.requests++;
    return this.use(async (c) => {
      let copied = 0;
      const count = new Transform({
        transform: (chunk: Buffer, _encoding, done) => {
          copied += chunk.length;
          this.bytesReceived += chunk.length;
          done(null, chunk);
        },
      });
      await pipeline(
        c.createReadStream(afcPath(path), { signal }),
        count,
        createWriteStream(localFile, { mode: 0o600 }),
        {
          signal,
        },
      );
      return copied;
    });
  }

  private use<T>(task: (client: AfcClient) => Promise<T>): Promise<T> {
    return this.afc instanceof AfcClient ? task(this.afc) : this.afc.use(task);
  }
}

/** AFC paths are relative to the media root; a leading slash is what libimobiledevice sends. */
function afcPath(path: string): string {
  return path.startsWith('/') ? path : `/${path}`;
}

/**
 * Runs `task` over `items` with at most `limit` in flight (the AFC connections pipeline them),
 * in order of results. Stops early, rejecting, once `signal` aborts.
 */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
  signal?: AbortSignal,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      signal?.throwIfAborted();
      const index = next++;
      results[index] = await task(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
