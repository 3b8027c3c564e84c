/**
 * A Readable over one AFC file that keeps several FILE_READs in flight on the handle. The phone
 * answers a connection's requests in order and each FILE_READ continues where the previous one
 * stopped, so replies arrive in file order and are pushed as they come. No new read is sent
 * while the consumer is not reading: memory stays under highWaterMark + readAhead × chunkSize.
 */
import { Readable } from 'node:stream';
import type { AfcClient, AfcHandle } from './afc-client';

export interface AfcReadStreamOptions {
  /** First byte to read (inclusive). Default 0. */
  start?: number;
  /** Last byte to read (inclusive), as in fs.createReadStream. Default: to the end of the file. */
  end?: number;
  /** Bytes asked per FILE_READ. Default: the client's chunkSize. */
  chunkSize?: number;
  /** FILE_READs in flight at once. Default 3. */
  readAhead?: number;
  /** Aborting destroys the stream with an AbortError and closes the handle. */
  signal?: AbortSignal;
}

interface PendingRead {
  size: number;
  reply: Promise<Buffer[]>;
}

export class AfcReadStream extends Readable {
  /** Bytes delivered so far. */
  bytesRead = 0;
  private handle: AfcHandle | undefined;
  private readonly queue: PendingRead[] = [];
  private readonly chunkSize: number;
  private readonly readAhead: number;
  private readonly start: number;
  /** Bytes wanted in total, or Infinity for "to the end". */
  private readonly wanted: number;
  private requested = 0;
  private draining = false;
  private finished = false;
  private seeked: Promise<void> = Promise.resolve();
  /** The FILE_CLOSE, sent right behind the last read when the range is known. */
  private closing: Promise<void> | undefined;

  constructor(
    private readonly client: AfcClient,
    readonly path: string,
    options: AfcReadStreamOptions = {},
  ) {
    // Our own buffering is the read-ahead queue; keep Readable's small so backpressure is prompt.
    // (Options are checked before super(), which would otherwise already schedule the open.)
    super({ highWaterMark: 1, ...(checkOptions(options).signal ? { signal: options.signal } : {}) });
    this.chunkSize = Math.max(1, options.chunkSize ?? 4 * 1024 * 1024);
    this.readAhead = Math.max(1, options.readAhead ?? 3);
    this.start = options.start ?? 0;
    this.wanted = options.end === undefined ? Infinity : Math.max(0, options.end - this.start + 1);
  }

  override _construct(callback: (error?: Error | null) => void): void {
    this.client
      .open(this.path, 'r')
      .then((handle) => {
        this.handle = handle;
        // The seek is not awaited: the reads go right behind it and the phone answers in order.
        // drain() checks its reply before it trusts the first read.
        if (this.start > 0) {
          this.seeked = this.client.seek(handle, BigInt(this.start));
          this.seeked.catch(() => {});
        }
        callback();
      })
      .catch((error: Error) => callback(error));
  }

  override _read(): void {
    this.fill();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.finished = true;
    const closed = this.closing?.catch(() => {}) ?? this.closeHandle();
    void closed.then(() => callback(error));
  }

  /** Sends FILE_READs until `readAhead` are in flight or everything wanted is asked for. */
  private fill(): void {
    if (this.finished || this.handle === undefined) return;
    while (this.queue.length < this.readAhead && this.requested < this.wanted) {
      const size = Math.min(this.chunkSize, this.wanted - this.requested);
      const reply = this.client.readParts(this.handle, size);
      reply.catch(() => {}); // handled in drain(); this only marks it as observed
      this.queue.push({ size, reply });
      this.requested += size;
    }
    // Everything wanted is asked for: close now, saving the round trip a close after the data costs.
    if (this.requested >= this.wanted && !this.closing) {
      this.closing = this.closeHandle(true);
      this.closing.catch(() => {});
    }
    if (!this.draining) void this.drain();
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      await this.seeked;
      while (this.queue.length > 0 && !this.finished) {
        const head = this.queue[0]!;
        const parts = await head.reply;
        this.queue.shift();
        if (this.finished) return;
        const length = parts.reduce((sum, part) => sum + part.length, 0);
        if (length === 0) return this.end();
        this.bytesRead += length;
        // A short read is not the end: ask again for what is missing (unless already closing:
        // then the file is shorter than the range, and the stream ends short; see bytesRead).
        if (length < head.size && this.wanted !== Infinity && !this.closing) this.requested -= head.size - length;
        // The reply's buffers go out as they are (one per 4 MiB of payload; on a usbmux socket the
        // payload was read straight into them): no copy, and each one belongs to the consumer.
        let more = true;
        for (const part of parts) more = this.push(part);
        if (this.bytesRead >= this.wanted) return this.end();
        if (more) this.fill();
      }
      if (this.closing && this.queue.length === 0 && !this.finished) return this.end();
    } catch (error) {
      this.destroy(error as Error);
    } finally {
      this.draining = false;
    }
  }

  /** Ends the stream once the handle is closed, so a consumer that saw 'end' can open more files. */
  private async end(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    try {
      await (this.closing ?? this.closeHandle(true));
      this.push(null);
    } catch (error) {
      this.destroy(error as Error);
    }
  }

  /**
   * FILE_CLOSE goes after any reads still in flight (same connection, answered in order).
   * On the normal end its failure is the stream's; when tearing down it is ignored.
   */
  private async closeHandle(strict = false): Promise<void> {
    if (this.handle === undefined || this.client.isClosed) return;
    const handle = this.handle;
    this.handle = undefined;
    try {
      await this.client.closeFile(handle);
    } catch (error) {
      if (strict) throw error;
    }
  }
}

function checkOptions(options: AfcReadStreamOptions): AfcReadStreamOptions {
  for (const key of ['start', 'end', 'chunkSize', 'readAhead'] as const) {
    const value = options[key];
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) {
      throw new RangeError(`AfcReadStream ${key} must be a non-negative integer, got ${value}.`);
    }
  }
  return options;
}
