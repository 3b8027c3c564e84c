/**
 * The core both AFC file readers share: AfcReadStream (read-stream.ts, a Readable whose chunks
 * belong to the consumer) and AfcChunkReader (chunk-reader.ts, an async iterator over a ring of
 * recycled buffers). It keeps several FILE_READs in flight on one handle. The phone answers a
 * connection's requests in order and each FILE_READ continues where the previous one stopped, so
 * replies arrive in file order; `next()` hands them out one by one. Reads are sent only from
 * `next()` (a consumer that stops asking stops the reads): at most `readAhead` are in flight,
 * plus the reply the consumer holds.
 */
import type { AfcClient, AfcHandle } from './afc-client';

export interface AfcReadOptions {
  /** First byte to read (inclusive). Default 0. */
  start?: number;
  /** Last byte to read (inclusive), as in fs.createReadStream. Default: to the end of the file. */
  end?: number;
  /** Bytes asked per FILE_READ. Default: the client's chunkSize. */
  chunkSize?: number;
  /** FILE_READs in flight at once. Default 3. */
  readAhead?: number;
  /** Aborting ends the read with an AbortError and closes the handle. */
  signal?: AbortSignal;
}

/** Where FILE_READ replies land: buffers lent by a recycling reader (undefined: fresh memory). */
export interface ReadTargets {
  /** A free buffer of at least `ReadPipeline.readSize` bytes. */
  take(): Buffer;
  /**
   * The buffer is free again: its reply was delivered and the consumer moved on, or its reply
   * settled after the end (no byte can land in it any more: see retire()).
   */
  give(buffer: Buffer): void;
  /** The pipeline is done: no more take(); gives may still follow, as replies in flight settle. */
  retire(): void;
}

interface PendingRead {
  size: number;
  target: Buffer | undefined;
  reply: Promise<Buffer[]>;
}

const STOPPED = Symbol('stopped');

export class ReadPipeline {
  /** Bytes delivered so far. */
  bytesRead = 0;
  /** Largest FILE_READ this pipeline sends (a recycling reader's buffers are this big). */
  readonly readSize: number;
  readonly readAhead: number;
  private handle: AfcHandle | undefined;
  private opened: Promise<void> | undefined;
  private readonly queue: PendingRead[] = [];
  private readonly chunkSize: number;
  private readonly start: number;
  /** Bytes wanted in total, or Infinity for "to the end". */
  private readonly wanted: number;
  private requested = 0;
  private seeked: Promise<void> = Promise.resolve();
  /** The FILE_CLOSE, sent right behind the last read when the range is known. */
  private closing: Promise<void> | undefined;
  /** The target of the reply last handed out: free again when the consumer asks for the next. */
  private held: Buffer | undefined;
  /** Torn down (destroy): `next()` gives `stopError`, or the end when there is none. */
  private stopped = false;
  /** The targets were handed back (retire()). */
  private retired = false;
  private stopError: Error | undefined;
  /** Settles the wait of a pending next() when destroy() is called. */
  private onStop: (() => void) | undefined;

  constructor(
    private readonly client: AfcClient,
    readonly path: string,
    options: AfcReadOptions,
    private readonly targets?: ReadTargets,
  ) {
    checkReadOptions(options);
    this.chunkSize = Math.max(1, options.chunkSize ?? client.chunkSize);
    this.readAhead = Math.max(1, options.readAhead ?? 3);
    this.start = options.start ?? 0;
    this.wanted = options.end === undefined ? Infinity : Math.max(0, options.end - this.start + 1);
    this.readSize = Math.max(1, Math.min(this.chunkSize, this.wanted));
  }

  /** Opens the file (once); the seek to `start` goes right behind it, not awaited. */
  open(): Promise<void> {
    this.opened ??= this.client.open(this.path, 'r').then((handle) => {
      if (this.stopped) {
        // Torn down while the open was on the wire: nobody will close it otherwise.
        this.client.closeFile(handle).catch(() => {});
        return;
      }
      this.handle = handle;
      // The reads go right behind the seek and the phone answers in order; next() checks its
      // reply before it trusts the first read.
      if (this.start > 0) {
        this.seeked = this.client.seek(handle, BigInt(this.start));
        this.seeked.catch(() => {});
      }
    });
    return this.opened;
  }

  /**
   * The next reply's bytes (its buffers, in file order), or null at the end, once the handle is
   * closed (so a consumer that saw the end can open more files). Calls must not overlap.
   * A reply that landed in a target stays untouched until the following `next()`.
   */
  async next(): Promise<Buffer[] | null> {
    if (this.retired) return this.stopped ? this.stoppedResult() : this.finish();
    if (this.held) this.targets!.give(this.held);
    this.held = undefined;
    if (this.stopped) return this.stoppedResult();
    if ((await this.unlessStopped(this.open())) === STOPPED) return this.stoppedResult();
    if (this.bytesRead >= this.wanted) return this.finish();
    this.fill();
    if ((await this.unlessStopped(this.seeked)) === STOPPED) return this.stoppedResult();
    for (;;) {
      const head = this.queue[0];
      if (!head) return this.finish();
      const parts = await this.unlessStopped(head.reply);
      // (Torn down meanwhile: this reply's target is being handed back, so it is not handed out.)
      if (parts === STOPPED || this.stopped) return this.stoppedResult();
      this.queue.shift();
      const length = parts.reduce((sum, part) => sum + part.length, 0);
      if (length === 0) {
        if (head.target) this.targets!.give(head.target);
        return this.finish();
      }
      this.bytesRead += length;
      // A short read is not the end: ask again for what is missing (unless already closing:
      // then the file is shorter than the range, and the read ends short; see bytesRead).
      if (length < head.size && this.wanted !== Infinity && !this.closing) this.requested -= head.size - length;
      this.held = head.target;
      // Keep `readAhead` reads in flight while the consumer works on this one.
      this.fill();
      return parts;
    }
  }

  /**
   * Tears down: no more reads, the handle closed behind any still in flight (its failure
   * ignored). A pending `next()` settles at once, throwing `error`, or as the end without one.
   */
  destroy(error?: Error): Promise<void> {
    if (!this.stopped) {
      this.stopped = true;
      this.stopError = error;
      this.onStop?.();
      this.retire();
    }
    return this.closing?.catch(() => {}) ?? this.closeHandle();
  }

  /** Sends FILE_READs until `readAhead` are in flight or everything wanted is asked for. */
  private fill(): void {
    if (this.stopped || this.handle === undefined) return;
    while (this.queue.length < this.readAhead && this.requested < this.wanted) {
      const size = Math.min(this.chunkSize, this.wanted - this.requested);
      const target = this.targets?.take();
      const reply = this.client.readParts(this.handle, size, target);
      reply.catch(() => {}); // handled in next(); this only marks it as observed
      this.queue.push({ size, target, reply });
      this.requested += size;
    }
    // Everything wanted is asked for: close now, saving the round trip a close after the data costs.
    if (this.requested >= this.wanted && !this.closing) {
      this.closing = this.closeHandle(true);
      this.closing.catch(() => {});
    }
  }

  private async finish(): Promise<null> {
    this.retire();
    await this.unlessStopped(this.closing ?? (this.closing = this.closeHandle(true)));
    return this.stopped ? this.stoppedResult() : null;
  }

  /**
   * Hands every target back: the one the consumer held (the contract ends with the iteration)
   * at once, those of reads still in flight once their reply settles (until then bytes may land
   * in them; a failed connection's socket is destroyed, so none land after its rejection).
   */
  private retire(): void {
    if (this.retired || !this.targets) return;
    this.retired = true;
    const targets = this.targets;
    if (this.held) targets.give(this.held);
    this.held = undefined;
    for (const read of this.queue.splice(0)) {
      const target = read.target;
      if (target)
        read.reply.then(
          () => targets.give(target),
          () => targets.give(target),
        );
    }
    targets.retire();
  }

  private stoppedResult(): null {
    if (this.stopError) throw this.stopError;
    return null;
  }

  /**
   * `work`'s result, or STOPPED as soon as destroy() is called (work's failure then ignored).
   * Not Promise.race with one long-lived "stopped" promise: every race would leave a reaction
   * on it, keeping each reply's buffers reachable until the reader is gone (hundreds of MiB on
   * a large file, and the garbage collection and page faults that go with it).
   */
  private unlessStopped<T>(work: Promise<T>): Promise<T | typeof STOPPED> {
    if (this.stopped) return Promise.resolve(STOPPED);
    return new Promise<T | typeof STOPPED>((resolve, reject) => {
      this.onStop = () => resolve(STOPPED);
      work.then(
        (value) => {
          this.onStop = undefined;
          resolve(value);
        },
        (error: unknown) => {
          this.onStop = undefined;
          reject(error as Error);
        },
      );
    });
  }

  /**
   * FILE_CLOSE goes after any reads still in flight (same connection, answered in order).
   * On the normal end its failure is the reader's; when tearing down it is ignored.
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

/** An AbortError as Node's streams make it (name `AbortError`, code `ABORT_ERR`). */
export function abortError(signal: AbortSignal): Error {
  const error = new Error('The operation was aborted', { cause: signal.reason as unknown });
  error.name = 'AbortError';
  return Object.assign(error, { code: 'ABORT_ERR' });
}

/** Throws RangeError unless every numeric option is a non-negative integer. */
export function checkReadOptions(options: AfcReadOptions): AfcReadOptions {
  for (const key of ['start', 'end', 'chunkSize', 'readAhead'] as const) {
    const value = options[key];
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) {
      throw new RangeError(`AfcReadStream ${key} must be a non-negative integer, got ${value}.`);
    }
  }
  return options;
}
