/**
 * The simulated cable: bandwidth and latency shared by all of one phone's connections, and the
 * "cable glitch" fault. Only the phone → host direction is shaped (that is where the photos
 * flow); `latencyMs` delays every chunk the phone sends, so each request/reply round trip costs
 * at least that much. Presets follow measured figures (ios-device-protocols.md §4): USB 2 AFC
 * reads reach 30–38 MB/s, USB 3 several hundred MB/s.
 */
import { Duplex } from 'node:stream';

export type LinkPreset = 'usb2' | 'usb3' | 'unlimited';

export interface LinkOptions {
  /** Starting point; default `unlimited`. */
  preset?: LinkPreset;
  /** Bytes per second phone → host; overrides the preset. `Infinity` = unlimited. */
  bytesPerSecond?: number;
  /** Delay added to every reply (so to every round trip), overrides the preset. */
  latencyMs?: number;
  /** After this many bytes phone → host (all connections together), drop every connection once. */
  dropAfterBytes?: number;
}

const PRESETS: Record<LinkPreset, { bytesPerSecond: number; latencyMs: number }> = {
  usb2: { bytesPerSecond: 35_000_000, latencyMs: 1 },
  usb3: { bytesPerSecond: 400_000_000, latencyMs: 0.25 },
  unlimited: { bytesPerSecond: Infinity, latencyMs: 0 },
};

/** One phone's cable. `wrap` each connection's socket; they then share its bandwidth. */
export class Link {
  readonly bytesPerSecond: number;
  readonly latencyMs: number;
  /** Bytes sent phone → host through this link so far. */
  bytesSent = 0;
  private dropAfterBytes: number | undefined;
  /** When (performance.now() ms) the cable finishes sending what is already queued. */
  private busyUntil = 0;
  private readonly sockets = new Set<Duplex>();

  constructor(options: LinkOptions = {}) {
    const preset = PRESETS[options.preset ?? 'unlimited'];
    this.bytesPerSecond = options.bytesPerSecond ?? preset.bytesPerSecond;
    this.latencyMs = options.latencyMs ?? preset.latencyMs;
    this.dropAfterBytes = options.dropAfterBytes;
  }

  /** Arms (or with `undefined` disarms) the drop: every connection ends after `bytes` more bytes. */
  dropAfter(bytes: number | undefined): void {
    this.dropAfterBytes = bytes === undefined ? undefined : this.bytesSent + bytes;
  }

  /** Drops every connection now, as pulling the cable would (`except` is ending by itself). */
  dropAll(except?: Duplex): void {
    for (const socket of this.sockets) if (socket !== except) socket.destroy();
  }

  /**
   * The phone's side of a connection, shaped. With no shaping and no fault armed it still
   * counts bytes, so a fault can be armed later.
   */
  wrap(socket: Duplex): Duplex {
    const shaped = new ShapedSocket(socket, this);
    this.sockets.add(shaped);
    shaped.on('close', () => this.sockets.delete(shaped));
    return shaped;
  }

  /** Books `bytes` on the cable; returns when they finish sending (ms, performance.now()). */
  reserve(bytes: number): number {
    const now = performance.now();
    if (this.bytesPerSecond === Infinity) return now;
    this.busyUntil = Math.max(now, this.busyUntil) + (bytes * 1000) / this.bytesPerSecond;
    return this.busyUntil;
  }

  /**
   * Counts `bytes` about to be sent. When the drop fault fires (once), returns how many of them
   * still go out before every connection is dropped; otherwise undefined.
   */
  count(bytes: number): number | undefined {
    const before = this.bytesSent;
    this.bytesSent += bytes;
    if (this.dropAfterBytes !== undefined && this.bytesSent >= this.dropAfterBytes) {
      const allowed = Math.max(0, this.dropAfterBytes - before);
      this.dropAfterBytes = undefined;
      return allowed;
    }
    return undefined;
  }
}

interface Delivery {
  at: number;
  chunk: Buffer;
  /** Drop every connection after delivering this chunk (the drop fault fired). */
  dropAfter: boolean;
}

/**
 * Reads pass straight through (host → phone). Writes are booked on the link, then delivered
 * after the latency in order; the write callback fires when the chunk has left the "cable",
 * which is what bounds memory when the host reads slower than the phone writes.
 */
class ShapedSocket extends Duplex {
  private readonly deliveries: Delivery[] = [];
  private timer: NodeJS.Timeout | undefined;
  private finalCallback: ((error?: Error | null) => void) | undefined;

  constructor(
    private readonly inner: Duplex,
    private readonly link: Link,
  ) {
    super({ allowHalfOpen: false, writableHighWaterMark: 4 * 1024 * 1024 });
    inner.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) inner.pause();
    });
    inner.on('end', () => this.push(null));
    inner.on('error', (error) => this.destroy(error));
    inner.on('close', () => this.destroy());
  }

  override _read(): void {
    this.inner.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.send([chunk], callback);
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (error?: Error | null) => void): void {
    this.send(
      chunks.map(({ chunk }) => chunk),
      callback,
    );
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.deliveries.length === 0) {
      this.inner.end();
      callback();
    } else this.finalCallback = callback;
  }

  override _destroy(error: Error | null, callback: (error: Error | null) => void): void {
    clearTimeout(this.timer);
    this.deliveries.length = 0;
    this.inner.destroy();
    callback(error);
  }

  private send(chunks: Buffer[], callback: (error?: Error | null) => void): void {
    const bytes = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    const allowed = this.link.count(bytes);
    if (
      this.link.bytesPerSecond === Infinity &&
      this.link.latencyMs === 0 &&
      this.deliveries.length === 0 &&
      allowed === undefined
    ) {
      // Unshaped: hand the chunks straight on (no copy), keeping the inner socket's backpressure.
      let ok = true;
      for (const chunk of chunks) ok = this.inner.write(chunk);
      if (ok) callback();
      else this.inner.once('drain', () => callback());
      return;
    }
    let chunk = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, bytes);
    if (allowed !== undefined) chunk = chunk.subarray(0, allowed);
    if (this.link.bytesPerSecond === Infinity && this.link.latencyMs === 0 && this.deliveries.length === 0) {
      return this.dropWith(chunk, callback);
    }
    const sentAt = this.link.reserve(bytes);
    this.deliveries.push({ at: sentAt + this.link.latencyMs, chunk, dropAfter: allowed !== undefined });
    const wait = sentAt - performance.now();
    if (wait <= 0) process.nextTick(callback);
    else setTimeout(callback, wait);
    this.schedule();
  }

  /** Sends the last bytes allowed, then drops this connection and every other one on the link. */
  private dropWith(chunk: Buffer, callback?: (error?: Error | null) => void): void {
    this.deliveries.length = 0;
    this.inner.end(chunk);
    this.inner.once('finish', () => this.inner.destroy());
    callback?.();
    this.link.dropAll(this);
  }

  private schedule(): void {
    if (this.timer || this.deliveries.length === 0) return;
    const wait = Math.max(0, this.deliveries[0]!.at - performance.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.deliverDue();
    }, wait);
  }

  private deliverDue(): void {
    const now = performance.now();
    while (this.deliveries.length > 0 && this.deliveries[0]!.at <= now + 0.05) {
      const delivery = this.deliveries.shift()!;
      if (delivery.dropAfter) return this.dropWith(delivery.chunk);
      this.inner.write(delivery.chunk);
    }
    if (this.deliveries.length === 0 && this.finalCallback) {
      this.inner.end();
      const callback = this.finalCallback;
      this.finalCallback = undefined;
      callback();
    }
    this.schedule();
  }
}
