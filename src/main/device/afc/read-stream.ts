/**
 * A Readable over one AFC file that keeps several FILE_READs in flight on the handle (the
 * pipelining is ReadPipeline's, read-pipeline.ts). Each reply's buffers are pushed as they are
 * (one per 4 MiB of payload; on a usbmux socket the payload was read straight into them): no
 * copy, and each one belongs to the consumer for good. No new read is sent while the consumer is
 * not reading: memory stays under highWaterMark + readAhead × chunkSize. A consumer that is done
 * with a chunk when it asks for the next one can avoid the fresh memory: AfcChunkReader.
 */
import { Readable } from 'node:stream';
import type { AfcClient } from './afc-client';
import { ReadPipeline, checkReadOptions, type AfcReadOptions } from './read-pipeline';

export type AfcReadStreamOptions = AfcReadOptions;

export class AfcReadStream extends Readable {
  private readonly pipeline: ReadPipeline;

  constructor(
    client: AfcClient,
    readonly path: string,
    options: AfcReadStreamOptions = {},
  ) {
    // Our own buffering is the read-ahead queue; keep Readable's small so backpressure is prompt.
    // (Options are checked before super(), which would otherwise already schedule the open.)
    super({ highWaterMark: 1, ...(checkReadOptions(options).signal ? { signal: options.signal } : {}) });
    this.pipeline = new ReadPipeline(client, path, options);
  }

  /** Bytes delivered so far. */
  get bytesRead(): number {
    return this.pipeline.bytesRead;
  }

  override _construct(callback: (error?: Error | null) => void): void {
    this.pipeline.open().then(
      () => callback(),
      (error: Error) => callback(error),
    );
  }

  override _read(): void {
    this.pipeline.next().then(
      (parts) => {
        if (this.destroyed) return;
        if (parts === null) this.push(null);
        else for (const part of parts) this.push(part);
      },
      (error: Error) => this.destroy(error),
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    void this.pipeline.destroy(error ?? undefined).then(() => callback(error));
  }
}
