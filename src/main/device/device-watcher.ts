import { EventEmitter } from 'node:events';
import { DeviceSession, type DeviceSessionOptions } from './device-session';
import { UsbmuxUnavailableError } from './errors';
import { UsbmuxClient, type UsbmuxListener } from './usbmux/client';
import { formatUsbmuxAddress } from './usbmux/protocol';

export interface DeviceWatcherOptions extends DeviceSessionOptions {
  usbmux?: UsbmuxClient;
  /** While a phone is locked or waiting for Trust, look again this often (neither sends an event). Default 2 s. */
  retryMs?: number;
  /**
   * When usbmuxd cannot be reached or goes away, try again this often. Linux usbmuxd is started
   * by udev when a phone is plugged in and may exit when the last one leaves. Default 2 s.
   */
  reconnectMs?: number;
}

export interface DeviceWatcherEvents {
  attached: [DeviceSession];
  detached: [DeviceSession];
  /** A session's state or details changed. */
  changed: [DeviceSession];
  /** usbmuxd cannot be reached or went away: every session is disconnected, and the watcher keeps trying. */
  error: [Error];
  /** Listening to usbmuxd (again). */
  listening: [];
}

/**
 * Turns usbmuxd's Listen events into DeviceSessions: hot-plug without polling. A phone that
 * shows up over USB and Wi-Fi is one session (USB preferred). Each session is refreshed when
 * it attaches, when usbmuxd says it was Paired, and every `retryMs` while it is locked or
 * waiting for Trust; a detach disconnects it at once.
 */
export class DeviceWatcher extends EventEmitter<DeviceWatcherEvents> {
  readonly usbmux: UsbmuxClient;
  private readonly byUdid = new Map<string, DeviceSession>();
  private readonly udidByDeviceId = new Map<number, string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly running = new Set<string>();
  private listener: UsbmuxListener | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: DeviceWatcherOptions = {}) {
    super();
    this.usbmux = options.usbmux ?? new UsbmuxClient();
  }

  /**
   * Starts listening; phones already attached are announced as `attached` right away. Resolves
   * once the first attempt is made: if usbmuxd is not there, `error` is emitted and the watcher
   * keeps trying every `reconnectMs` until stop().
   */
  async start(): Promise<void> {
    this.stopped = false;
    try {
      await this.connect();
    } catch (error) {
      this.emit('error', error as Error);
      this.scheduleReconnect();
    }
  }

  private async connect(): Promise<void> {
    const listener = await this.usbmux.listen();
    if (this.stopped) return listener.close();
    this.listener = listener;
    listener.on('attached', (device) => {
      this.udidByDeviceId.set(device.deviceId, device.udid);
      let session = this.byUdid.get(device.udid);
      if (session) {
        const wasDisconnected = !session.connected;
        session.addAttachment(device);
        if (wasDisconnected) this.emit('attached', session);
      } else {
        session = new DeviceSession(device, this.usbmux, this.options);
        const s = session;
        session.on('changed', () => this.emit('changed', s));
        this.byUdid.set(device.udid, session);
        this.emit('attached', session);
      }
      this.schedule(session.udid, 0);
    });
    listener.on('detached', (deviceId) => {
      const udid = this.udidByDeviceId.get(deviceId);
      this.udidByDeviceId.delete(deviceId);
      const session = udid ? this.byUdid.get(udid) : undefined;
      if (!session) return;
      if (session.removeAttachment(deviceId)) {
        clearTimeout(this.timers.get(session.udid));
        this.emit('detached', session);
      }
    });
    listener.on('paired', (deviceId) => {
      const udid = this.udidByDeviceId.get(deviceId);
      if (udid && this.byUdid.get(udid)?.state !== 'ready') this.schedule(udid, 0);
    });
    listener.on('close', (error) => {
      this.listener = undefined;
      this.udidByDeviceId.clear();
      for (const session of this.byUdid.values()) {
        if (!session.connected) continue;
        clearTimeout(this.timers.get(session.udid));
        session.disconnect();
        this.emit('detached', session);
      }
      if (this.stopped) return;
      this.emit('error', new UsbmuxUnavailableError(formatUsbmuxAddress(this.usbmux.address), { cause: error }));
      this.scheduleReconnect();
    });
    this.emit('listening');
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      this.connect().catch(() => this.scheduleReconnect());
    }, this.options.reconnectMs ?? 2000);
  }

  /** Every phone seen, connected or not. */
  sessions(): DeviceSession[] {
    return [...this.byUdid.values()];
  }

  session(udid: string): DeviceSession | undefined {
    return this.byUdid.get(udid);
  }

  /** Resolves with the first session that satisfies `test` (now or later), or rejects after `timeoutMs`. */
  waitFor(test: (session: DeviceSession) => boolean, timeoutMs = 10_000): Promise<DeviceSession> {
    const found = this.sessions().find(test);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const check = (session: DeviceSession) => {
        if (!test(session)) return;
        cleanup();
        resolve(session);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error('timed out waiting for a device state'));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.off('changed', check);
        this.off('attached', check);
        this.off('detached', check);
      };
      this.on('changed', check);
      this.on('attached', check);
      this.on('detached', check);
    });
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    this.listener?.close();
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const session of this.byUdid.values()) session.close();
  }

  private schedule(udid: string, delayMs: number): void {
    clearTimeout(this.timers.get(udid));
    this.timers.set(
      udid,
      setTimeout(() => void this.refresh(udid), delayMs),
    );
  }

  private async refresh(udid: string): Promise<void> {
    const session = this.byUdid.get(udid);
    if (!session || this.stopped || !session.connected) return;
    if (this.running.has(udid)) return this.schedule(udid, this.options.retryMs ?? 2000);
    this.running.add(udid);
    try {
      await session.refresh();
    } finally {
      this.running.delete(udid);
    }
    if (!this.stopped && session.connected && (session.state === 'locked' || session.state === 'trust-pending')) {
      this.schedule(udid, this.options.retryMs ?? 2000);
    }
  }
}
