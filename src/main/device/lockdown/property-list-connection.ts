import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { DeviceDisconnectedError, DeviceTimeoutError, PairingRevokedError } from '../errors';
import type { PlistDict } from '../plist';
import { encodeLockdownFrame, LockdownFrameDecoder } from './protocol';

interface Waiter {
  resolve(message: PlistDict): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * A length-prefixed plist conversation over a Duplex (lockdownd and other plist services).
 * Replies are matched to requests in order. When the stream ends or breaks, every pending
 * call fails at once with DeviceDisconnectedError (a pulled cable must not leave a hang).
 */
export class PropertyListConnection {
  private stream: Duplex;
  private decoder = new LockdownFrameDecoder();
  private readonly inbox: PlistDict[] = [];
  private readonly waiters: Waiter[] = [];
  private failure: Error | undefined;
  private readonly closedController = new AbortController();

  constructor(
    stream: Duplex,
    private readonly timeoutMs = 15_000,
  ) {
    this.stream = stream;
    this.attach(stream);
  }

  /** The stream in use now (the TLS stream after startTls). */
  get socket(): Duplex {
    return this.stream;
  }

  get closed(): boolean {
    return this.failure !== undefined;
  }

  /** Aborts (with the typed reason) when the connection ends: lets waits between calls stop at once. */
  get closedSignal(): AbortSignal {
    return this.closedController.signal;
  }

  send(message: PlistDict): void {
    if (this.failure) throw this.failure;
    this.stream.write(encodeLockdownFrame(message));
  }

  /** The next message, or the typed reason none will come. */
  receive(what: string): Promise<PlistDict> {
    const queued = this.inbox.shift();
    if (queued) return Promise.resolve(queued);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          reject(new DeviceTimeoutError(what));
        }, this.timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  async request(message: PlistDict, what = String(message.Request ?? 'request')): Promise<PlistDict> {
    this.send(message);
    return this.receive(what);
  }

  /**
   * Switches the conversation to TLS as the client (lockdown StartSession, EnableServiceSSL).
   * The phone does not verify the chain (it checks our certificate against the pair record),
   * and older records are SHA-1 signed, hence security level 0. A handshake failure with an
   * existing record means the phone no longer accepts it.
   */
  async startTls(cert: Buffer, key: Buffer): Promise<void> {
    const raw = this.stream;
    this.detach(raw);
    const secure = tls.connect({
      socket: raw,
      cert,
      key,
      rejectUnauthorized: false,
      minVersion: 'TLSv1',
      ciphers: 'DEFAULT:@SECLEVEL=0',
    });
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error) => {
        cleanup();
        reject(new PairingRevokedError());
        void error;
      };
      const onClose = () => {
        cleanup();
        reject(new PairingRevokedError());
      };
      const onConnect = () => {
        cleanup();
        resolve();
      };
      const cleanup = () => {
        secure.off('error', onError);
        secure.off('close', onClose);
        secure.off('secureConnect', onConnect);
      };
      secure.once('error', onError);
      secure.once('close', onClose);
      secure.once('secureConnect', onConnect);
    }).catch((error: Error) => {
      secure.destroy();
      this.fail(error);
      throw error;
    });
    this.stream = secure;
    this.decoder = new LockdownFrameDecoder();
    this.attach(secure);
  }

  close(): void {
    this.fail(new DeviceDisconnectedError('The connection to the iPhone was closed.'));
    this.stream.destroy();
  }

  private readonly onData = (chunk: Buffer) => {
    try {
      for (const message of this.decoder.push(chunk)) {
        const waiter = this.waiters.shift();
        if (waiter) {
          clearTimeout(waiter.timer);
          waiter.resolve(message);
        } else this.inbox.push(message);
      }
    } catch (error) {
      this.fail(error as Error);
      this.stream.destroy();
    }
  };
  private readonly onEnd = () => this.fail(new DeviceDisconnectedError());
  private readonly onError = (error: Error) => this.fail(new DeviceDisconnectedError(undefined, { cause: error }));

  private attach(stream: Duplex): void {
    stream.on('data', this.onData);
    stream.on('close', this.onEnd);
    stream.on('end', this.onEnd);
    stream.on('error', this.onError);
  }

  private detach(stream: Duplex): void {
    stream.off('data', this.onData);
    stream.off('close', this.onEnd);
    stream.off('end', this.onEnd);
    stream.off('error', this.onError);
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    this.closedController.abort(error);
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(error);
    }
  }
}
