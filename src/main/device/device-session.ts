import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import type { Device, DeviceState } from '../../shared/contract';
import { RollkeeperError } from '../../shared/errors';
import { AfcClient, type AfcClientOptions } from './afc/afc-client';
import { connectToService, openTrustedLockdown, type TrustedLockdown } from './connect-service';
import { DeviceDisconnectedError, DeviceLockedError, ServiceUnavailableError, TrustPendingError } from './errors';
import { LockdownClient } from './lockdown/client';
import { productName } from './product-names';
import { preferUsb, type UsbmuxClient, type UsbmuxDevice } from './usbmux/client';

export const AFC_SERVICE = 'com.apple.afc';

export interface DeviceSessionOptions {
  /** Pair when the phone does not trust us yet (shows "Trust This Computer?"). Default true. */
  pairIfNeeded?: boolean;
  /** How long one refresh keeps polling the Trust dialog. Default 30 s. */
  trustTimeoutMs?: number;
  /** Pause between Pair polls. Default 1 s. */
  pollMs?: number;
}

export interface DeviceSessionEvents {
  /** State or details changed; the argument is the new view. */
  changed: [Device];
}

/**
 * One phone, keyed by UDID, across its attachments (USB preferred over Wi-Fi). Knows what
 * the UI shows (name, model, iOS version, connection, storage, state with a message) and
 * opens services. When the phone is detached every stream it handed out is destroyed and
 * `signal` aborts with DeviceDisconnectedError, so pending calls end at once.
 */
export class DeviceSession extends EventEmitter<DeviceSessionEvents> {
  readonly udid: string;
  private attachments: UsbmuxDevice[] = [];
  private view: Device;
  private trusted: TrustedLockdown | undefined;
  private readonly streams = new Set<Duplex>();
  private controller = new AbortController();

  constructor(
    first: UsbmuxDevice,
    private readonly usbmux: UsbmuxClient,
    private readonly options: DeviceSessionOptions = {},
  ) {
    super();
    this.udid = first.udid;
    this.attachments = [first];
    this.view = {
      udid: first.udid,
      name: '',
      model: '',
      iosVersion: '',
      connection: first.connectionType === 'USB' ? 'usb' : 'wifi',
      state: 'connecting',
      message: 'Connecting to the iPhone…',
      storage: null,
    };
  }

  /** What the UI shows for this phone. */
  get info(): Device {
    return { ...this.view, storage: this.view.storage ? { ...this.view.storage } : null };
  }

  get state(): DeviceState {
    return this.view.state;
  }

  /** The attachment in use: USB when there is one. */
  get device(): UsbmuxDevice | undefined {
    return preferUsb(this.attachments)[0];
  }

  /** Aborted (with DeviceDisconnectedError) when the phone goes away. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get connected(): boolean {
    return this.attachments.length > 0;
  }

  addAttachment(device: UsbmuxDevice): void {
    if (!this.attachments.some((d) => d.deviceId === device.deviceId)) this.attachments.push(device);
    if (this.view.state === 'disconnected') {
      this.controller = new AbortController();
      this.update({ state: 'connecting', message: 'Connecting to the iPhone…' });
    }
    this.update({ connection: this.device?.connectionType === 'Network' ? 'wifi' : 'usb' });
  }

  /** Removes one attachment; when none is left the session is disconnected. Returns true then. */
  removeAttachment(deviceId: number): boolean {
    const before = this.device?.deviceId;
    this.attachments = this.attachments.filter((d) => d.deviceId !== deviceId);
    if (this.attachments.length === 0) {
      this.disconnect();
      return true;
    }
    if (before === deviceId) this.dropConnections(new DeviceDisconnectedError('The iPhone switched connection.'));
    this.update({ connection: this.device?.connectionType === 'Network' ? 'wifi' : 'usb' });
    return false;
  }

  /** Ends everything in flight with DeviceDisconnectedError. */
  disconnect(): void {
    const error = new DeviceDisconnectedError();
    this.attachments = [];
    this.dropConnections(error);
    this.controller.abort(error);
    this.update({ state: 'disconnected', message: error.hint, storage: null });
  }

  /**
   * Brings the view up to date: identity (before any session), then pairing and a session,
   * then storage over AFC. Failures become states, never exceptions: locked, trust pending,
   * or `error` with what to do; after a detach the view stays `disconnected`.
   */
  async refresh(): Promise<Device> {
    const device = this.device;
    if (!device) return this.info;
    const signal = this.controller.signal;
    try {
      if (!this.view.name) await this.readIdentity(device, signal);
      const trusted = await this.ensureTrusted(device, signal);
      const name = await trusted.lockdown.getString('DeviceName');
      if (name) this.update({ name });
      const afc = new AfcClient(await this.connectService(AFC_SERVICE));
      try {
        const info = await afc.deviceInfo();
        this.update({
          state: 'ready',
          message: '',
          storage: { totalBytes: Number(info.totalBytes), freeBytes: Number(info.freeBytes) },
        });
      } finally {
        afc.close();
      }
    } catch (error) {
      this.closeTrusted();
      if (!this.connected || signal.aborted) return this.info;
      if (
        error instanceof DeviceLockedError ||
        (error instanceof ServiceUnavailableError && /PasswordProtected/.test(error.message))
      ) {
        this.update({ state: 'locked', message: new DeviceLockedError().hint });
      } else if (error instanceof TrustPendingError) {
        this.update({ state: 'trust-pending', message: error.hint });
      } else if (error instanceof RollkeeperError) {
        const sentence = /[.!?]$/.test(error.message) ? error.message : `${error.message}.`;
        this.update({ state: 'error', message: `${sentence} ${error.hint}`.trim() });
      } else {
        this.update({
          state: 'error',
          message: `Unexpected failure talking to the iPhone: ${(error as Error).message ?? String(error)}`,
        });
      }
    }
    return this.info;
  }

  /**
   * Starts a service and connects to it (lockdown StartService + usbmux Connect). The stream
   * is destroyed when the phone is detached.
   */
  async connectService(serviceName: string): Promise<Duplex> {
    const device = this.device;
    if (!device) throw new DeviceDisconnectedError();
    const trusted = await this.ensureTrusted(device, this.controller.signal);
    let stream: Duplex;
    try {
      stream = await connectToService(this.usbmux, trusted, serviceName, { signal: this.controller.signal });
    } catch (error) {
      // A lockdown session that died (e.g. idle timeout on the phone) is reopened once.
      if (!(error instanceof DeviceDisconnectedError) || !this.connected) throw error;
      this.closeTrusted();
      stream = await connectToService(
        this.usbmux,
        await this.ensureTrusted(device, this.controller.signal),
        serviceName,
        {
          signal: this.controller.signal,
        },
      );
    }
    if (!this.connected) {
      stream.destroy();
      throw new DeviceDisconnectedError();
    }
    this.streams.add(stream);
    stream.once('close', () => this.streams.delete(stream));
    return stream;
  }

  /** An AFC client over a fresh AFC connection (B's AfcClient). */
  async openAfc(options: AfcClientOptions = {}): Promise<AfcClient> {
    return new AfcClient(await this.connectService(AFC_SERVICE), options);
  }

  close(): void {
    this.dropConnections(new DeviceDisconnectedError('The session was closed.'));
  }

  private async readIdentity(device: UsbmuxDevice, signal: AbortSignal): Promise<void> {
    const lockdown = await LockdownClient.open(this.usbmux, device, { signal });
    const stop = () => lockdown.close();
    signal.addEventListener('abort', stop, { once: true });
    try {
      const [name, model, iosVersion] = await Promise.all(
        ['DeviceName', 'ProductType', 'ProductVersion'].map((key) => lockdown.getString(key).catch(() => undefined)),
      );
      this.update({ name: name ?? 'iPhone', model: model ? productName(model) : '', iosVersion: iosVersion ?? '' });
    } finally {
      signal.removeEventListener('abort', stop);
      lockdown.close();
    }
  }

  private async ensureTrusted(device: UsbmuxDevice, signal: AbortSignal): Promise<TrustedLockdown> {
    if (this.trusted && this.trusted.device.deviceId === device.deviceId) return this.trusted;
    this.closeTrusted();
    const trusted = await openTrustedLockdown(this.usbmux, device, {
      pairIfNeeded: this.options.pairIfNeeded ?? true,
      trustTimeoutMs: this.options.trustTimeoutMs ?? 30_000,
      pollMs: this.options.pollMs ?? 1000,
      signal,
      onTrustPending: () => this.update({ state: 'trust-pending', message: new TrustPendingError().hint }),
      onRevoked: () =>
        this.update({
          state: 'trust-pending',
          message: 'The iPhone forgot this computer: pairing again. Tap "Trust" on the iPhone.',
        }),
    });
    if (signal.aborted) {
      trusted.lockdown.close();
      throw new DeviceDisconnectedError();
    }
    this.trusted = trusted;
    return trusted;
  }

  private closeTrusted(): void {
    this.trusted?.lockdown.close();
    this.trusted = undefined;
  }

  private dropConnections(reason: Error): void {
    void reason;
    this.closeTrusted();
    // destroy() without an error: the streams' owners (AfcClient, lockdown) turn the close into
    // DeviceDisconnectedError; an error here would be unhandled on streams nobody listens to.
    for (const stream of this.streams) stream.destroy();
    this.streams.clear();
  }

  private update(patch: Partial<Device>): void {
    const next = { ...this.view, ...patch };
    const changed = (Object.keys(patch) as (keyof Device)[]).some(
      (k) => JSON.stringify(next[k]) !== JSON.stringify(this.view[k]),
    );
    this.view = next;
    if (changed) this.emit('changed', this.info);
  }
}
