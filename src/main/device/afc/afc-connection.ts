/**
 * One AFC connection with several requests in flight. Each request gets the next packet number;
 * replies are matched to their request by the packet number they echo (the phone answers in
 * order, but matching by number also catches a confused peer). `maxInFlight: 1` turns
 * pipelining off: each request waits for the previous reply, as libimobiledevice does.
 *
 * Receiving: on a socket from usbmux Connect (a direct-read socket) the frames' payloads are read
 * straight into their own buffers (see frame-receiver.ts); on any other Duplex, 'data' chunks are
 * copied into them. Either way a reply's buffers belong to its caller and are never reused by
 * the connection. A request may give the buffer its reply's payload should land in (`replyTarget`):
 * a recycling reader (chunk-reader.ts) reads every FILE_READ into a small ring of buffers instead
 * of fresh memory (fresh memory costs page faults and garbage collection: bench/afc-read.ts).
 *
 * Failure handling: a malformed frame fails the connection with ProtocolError; a closed or reset
 * socket fails it with DeviceDisconnectedError. Either way every pending and later request is
 * rejected at once, so nothing waits forever on a phone that is gone.
 */
import type { Duplex } from 'node:stream';
import { DeviceDisconnectedError, DeviceTimeoutError, ProtocolError } from '../errors';
import { takeDirectRead } from '../usbmux/direct-read-socket';
import { AfcClosedError } from './errors';
import { AfcFrameReceiver } from './frame-receiver';
import { AFC_MAX_FRAME_BYTES, encodeHeader, type AfcFrame, type AfcHeader } from './protocol';

export interface AfcConnectionOptions {
  /** Requests on the wire at once; 1 = no pipelining. Default 32. */
  maxInFlight?: number;
  /** Largest reply frame accepted; bigger ones fail the connection before allocation. */
  maxFrameBytes?: number;
  /**
   * A phone that keeps the connection but stops answering: after this long with requests
   * pending and no byte received, the connection fails with DeviceTimeoutError. Default 30 s.
   */
  idleTimeoutMs?: number;
}

interface Pending {
  /** Where the reply's data part lands, if it fits (see AfcFrameReceiver). */
  target: Buffer | undefined;
  resolve(frame: AfcFrame): void;
  reject(error: Error): void;
}

export class AfcConnection {
  private readonly receiver: AfcFrameReceiver;
  private readonly pending = new Map<bigint, Pending>();
  private readonly slotWaiters: Array<{ resolve(): void; reject(error: Error): void }> = [];
  private readonly maxInFlight: number;
  private inFlight = 0;
  private nextPacketNum = 0n;
  private failure: Error | undefined;
  private readonly closedListeners: Array<(error: Error) => void> = [];
  private readonly idleTimeoutMs: number;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly socket: Duplex,
    options: AfcConnectionOptions = {},
  ) {
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 32);
    this.receiver = new AfcFrameReceiver(options.maxFrameBytes ?? AFC_MAX_FRAME_BYTES, {
      onHeader: (header) => this.checkHeader(header),
      onFrame: (frame) => this.deliver(frame),
    });
    this.idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
    const direct = takeDirectRead(socket, {
      nextBuffer: () => this.readTarget(),
      onBytes: (bytes, inPlace) => this.onBytes(bytes, inPlace),
    });
    if (!direct) socket.on('data', (chunk: Buffer) => this.onBytes(chunk, false));
    socket.on('error', (error) =>
      this.fail(new DeviceDisconnectedError('The connection to the iPhone was lost.', { cause: error })),
    );
    socket.on('end', () => this.fail(new DeviceDisconnectedError('The iPhone closed the file connection.')));
    socket.on('close', () => this.fail(new DeviceDisconnectedError('The connection to the iPhone was closed.')));
  }

  /** True once the connection has failed or been closed. */
  get isClosed(): boolean {
    return this.failure !== undefined;
  }

  /** Requests sent and not yet answered. */
  get outstanding(): number {
    return this.pending.size;
  }

  /** Calls `listener` once when the connection fails or closes, with the reason. */
  onClosed(listener: (error: Error) => void): void {
    if (this.failure) listener(this.failure);
    else this.closedListeners.push(listener);
  }

  /**
   * Sends one request and resolves with its reply frame. Requests are written in call order.
   * `data` is the bulk part (FILE_WRITE); the socket's backpressure is honoured before it is sent.
   * `replyTarget`: the buffer the reply's data part is received into when it fits (the frame's
   * `data` is then `[replyTarget.subarray(0, dataLength)]`); the caller must not touch it until
   * the reply settles, since bytes may land in it until then.
   */
  async request(operation: bigint, params: Buffer, data?: Buffer, replyTarget?: Buffer): Promise<AfcFrame> {
    if (this.failure) throw this.failure;
    if (this.inFlight < this.maxInFlight && this.slotWaiters.length === 0) this.inFlight++;
    else await new Promise<void>((resolve, reject) => this.slotWaiters.push({ resolve, reject }));
    if (this.failure) throw this.failure;
    const packetNum = this.nextPacketNum++;
    const reply = new Promise<AfcFrame>((resolve, reject) =>
      this.pending.set(packetNum, { target: replyTarget, resolve, reject }),
    );
    if (!this.idleTimer) this.armIdleTimer();
    const header = encodeHeader(packetNum, operation, params.length, data?.length ?? 0);
    this.socket.cork();
    this.socket.write(header);
    if (params.length > 0) this.socket.write(params);
    if (data && data.length > 0) this.socket.write(data);
    process.nextTick(() => this.socket.uncork());
    return reply;
  }

  /** Resolves when the socket can take more bytes (call before sending large bulk data). */
  async drained(): Promise<void> {
    if (this.failure) throw this.failure;
    if (!this.socket.writableNeedDrain) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.socket.off('drain', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.onClosed(done);
    });
    if (this.failure) throw this.failure;
  }

  /** Closes the connection; pending requests are rejected with AfcClosedError. */
  close(): void {
    this.fail(new AfcClosedError());
    this.socket.destroy();
  }

  /** Bytes from the socket: in place (read into receiver.target()) or to be copied. */
  private onBytes(bytes: Buffer, inPlace: boolean): void {
    if (this.failure) return;
    if (this.idleTimer) this.idleTimer.refresh();
    try {
      if (inPlace) this.receiver.landed(bytes.length);
      else this.receiver.push(bytes);
    } catch (error) {
      this.fail(error as Error);
      this.socket.destroy();
      return;
    }
    if (this.pending.size === 0) this.disarmIdleTimer();
  }

  /** Where the socket should read next (the current frame's buffer), or undefined for its own. */
  private readTarget(): Buffer | undefined {
    if (this.failure) return undefined;
    try {
      return this.receiver.target();
    } catch (error) {
      // Runs inside Node's read callback: a throw here would be an uncaught exception.
      this.fail(error as Error);
      this.socket.destroy();
      return undefined;
    }
  }

  /**
   * Refuses a reply nobody waits for as soon as its header is in (before its body is allocated);
   * returns where its request wants the payload.
   */
  private checkHeader(header: AfcHeader): Buffer | undefined {
    const waiter = this.pending.get(header.packetNum);
    if (!waiter) {
      throw new ProtocolError(`AFC reply carries packet number ${header.packetNum}, which no request is waiting for.`);
    }
    return waiter.target;
  }

  private deliver(frame: AfcFrame): void {
    const waiter = this.pending.get(frame.packetNum)!;
    this.pending.delete(frame.packetNum);
    this.releaseSlot();
    waiter.resolve(frame);
  }

  private armIdleTimer(): void {
    this.idleTimer = setTimeout(() => {
      this.fail(
        new DeviceTimeoutError(`no answer to ${this.pending.size} file request(s) for ${this.idleTimeoutMs / 1000} s`),
      );
      this.socket.destroy();
    }, this.idleTimeoutMs);
    this.idleTimer.unref();
  }

  private disarmIdleTimer(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  private releaseSlot(): void {
    // Hand the slot straight to the next waiter so a later caller cannot overtake it.
    const next = this.slotWaiters.shift();
    if (next) next.resolve();
    else this.inFlight--;
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    this.disarmIdleTimer();
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
    for (const waiter of this.slotWaiters.splice(0)) waiter.reject(error);
    for (const listener of this.closedListeners.splice(0)) listener(error);
  }
}
