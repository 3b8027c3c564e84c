/**
 * A file's bytes as an async iterator of chunks read into recycled buffers. AfcReadStream hands
 * every FILE_READ reply to its consumer for good, so each one is fresh memory: page faults, and
 * garbage collection of external memory (bench/afc-read.ts measured ~270 ms of CPU per GiB
 * against ~150 for a reader that reuses one buffer). A consumer that is done with a chunk when it
 * asks for the next one (hash it, await its write) can have the replies land in a small ring
 * instead: `readAhead` FILE_READs in flight plus the chunk the consumer holds, readAhead + 1
 * buffers of chunkSize in all, allocated on first use or taken from the client's pool of free
 * ones (ChunkBufferPool: consecutive files reuse them too). The pipelining, short reads, early close
 * and teardown are ReadPipeline's (read-pipeline.ts), shared with AfcReadStream.
 */
import type { AfcClient } from './afc-client';
import { ReadPipeline, abortError, type AfcReadOptions, type ReadTargets } from './read-pipeline';

/**
 * Recycling reader: `for await (const chunk of reader)`. **Each chunk is valid only until the
 * consumer asks for the next one** (or the iteration ends, breaks or the reader is destroyed):
 * its buffer then takes a later reply. Copy what you keep longer.
 *
 * Same options and behaviour as AfcReadStream: pipelined in-order FILE_READs, the FILE_CLOSE sent
 * right behind the last read of a known range, a file shorter than the range ends short (see
 * `bytesRead`), `signal` ends it with an AbortError and closes the handle, failures are typed as
 * the client's (AfcError, ProtocolError, DeviceDisconnectedError when the phone goes away).
 * The iteration ends only once the handle is closed.
 */
export class AfcChunkReader implements AsyncIterableIterator<Buffer> {
  private readonly pipeline: ReadPipeline;
  private readonly signal: AbortSignal | undefined;
  /** The previous next(): a caller that does not await it still gets chunks in order. */
  private pulling: Promise<unknown> = Promise.resolve();
  private readonly onAbort = (): void => this.destroy(abortError(this.signal!));

  /** `pool`: free buffers shared with other readers (at least chunkSize bytes each). */
  constructor(client: AfcClient, path: string, options: AfcReadOptions = {}, pool?: ChunkBufferPool) {
    // Sized by the pipeline (a range smaller than chunkSize gets smaller buffers).
    const ring = new BufferRing(
      () => this.pipeline.readSize,
      () => this.pipeline.readAhead + 1,
      pool,
    );
    this.pipeline = new ReadPipeline(client, path, options, ring);
    this.signal = options.signal;
    if (this.signal?.aborted) {
      this.onAbort();
      return;
    }
    this.signal?.addEventListener('abort', this.onAbort, { once: true });
    // Opened at once, as AfcReadStream does: the open overlaps whatever the consumer does first
    // (a destination checking its free space). A failure surfaces on the first next().
    this.pipeline.open().catch(() => {});
  }

  /** Bytes delivered so far. */
  get bytesRead(): number {
    return this.pipeline.bytesRead;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<Buffer, undefined>> {
    const result = this.pulling.then(() => this.pull());
    this.pulling = result.catch(() => {});
    return result;
  }

  /** `break` or a throw in a for-await loop: stop reading, and wait for the handle to be closed. */
  async return(): Promise<IteratorResult<Buffer, undefined>> {
    await this.stop();
    return { done: true, value: undefined };
  }

  /** Stops reading and closes the handle; a pending or later `next()` throws `error` if given. */
  destroy(error?: Error): void {
    void this.stop(error);
  }

  private async pull(): Promise<IteratorResult<Buffer, undefined>> {
    let parts: Buffer[] | null;
    try {
      parts = await this.pipeline.next();
    } catch (error) {
      await this.stop(error as Error);
      throw error;
    }
    if (parts === null) {
      this.signal?.removeEventListener('abort', this.onAbort);
      return { done: true, value: undefined };
    }
    // A reply that fit its target is one buffer; only an odd reply (a DATA frame with a
    // parameter area, say) comes as several.
    return { done: false, value: parts.length === 1 ? parts[0]! : Buffer.concat(parts) };
  }

  private stop(error?: Error): Promise<void> {
    this.signal?.removeEventListener('abort', this.onAbort);
    return this.pipeline.destroy(error);
  }
}

/**
 * Free chunk buffers shared by the recycling readers of one AfcClient, so that consecutive files
 * reuse memory too, not only the chunks of one large file: a camera roll is mostly 1.5–4 MB
 * photos, one FILE_READ each. All buffers are `size` bytes; at most `maxFree` are kept.
 */
export class ChunkBufferPool {
  private readonly free: Buffer[] = [];

  constructor(
    readonly size: number,
    private readonly maxFree = 8,
  ) {}

  /** A free buffer, or undefined when none is. */
  take(): Buffer | undefined {
    return this.free.pop();
  }

  /** A buffer no reader uses any more (and no read can still land in). */
  give(buffer: Buffer): void {
    if (buffer.length === this.size && this.free.length < this.maxFree) this.free.push(buffer);
  }
}

/**
 * One reader's buffers for FILE_READ replies, at most `capacity` (readAhead in flight + the one
 * the consumer holds: the pipeline never needs more), taken from the pool or allocated on first
 * use and given out again once free; back to the pool when the reader is done.
 */
class BufferRing implements ReadTargets {
  private readonly free: Buffer[] = [];
  private allocated = 0;
  private retired = false;

  constructor(
    private readonly size: () => number,
    private readonly capacity: () => number,
    private readonly pool: ChunkBufferPool | undefined,
  ) {}

  take(): Buffer {
    const reused = this.free.pop();
    if (reused) return reused;
    if (this.allocated >= this.capacity()) {
      throw new Error(`BufferRing: more than ${this.capacity()} buffers asked for (a pipeline bug).`);
    }
    this.allocated++;
    // Pooled buffers are all the pool's size (at least the reader's chunkSize), so any file can
    // reuse them later; a reader without a pool sizes them to its reads.
    return this.pool
      ? (this.pool.take() ?? Buffer.allocUnsafeSlow(this.pool.size))
      : Buffer.allocUnsafeSlow(this.size());
  }

  give(buffer: Buffer): void {
    if (this.retired) this.pool?.give(buffer);
    else this.free.push(buffer);
  }

  retire(): void {
    this.retired = true;
    for (const buffer of this.free.splice(0)) this.pool?.give(buffer);
  }
}
