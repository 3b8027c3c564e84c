/**
 * Auto-backup: when a phone the user has set up attaches and is ready (unlocked, trusted), a
 * backup starts by itself if the setting is on. The engine holds one AutoBackup, gives it its
 * DeviceWatcher, its settings, and how to start a backup; this class only decides *when*.
 *
 * Once per attachment: a phone that stays plugged in is not backed up again and again each
 * time its state changes (storage refreshed, locked and unlocked); unplugging and plugging it in
 * again is a new attachment. A run already going for the phone (one that is waiting for a
 * pulled cable to come back, say) is never doubled.
 */
import type { Settings } from '../../shared/contract';
import type { DeviceSession } from '../device/device-session';

/** The part of DeviceWatcher that AutoBackup listens to. */
export interface DeviceEvents {
  on(event: 'attached' | 'changed' | 'detached', listener: (session: DeviceSession) => void): unknown;
  off(event: 'attached' | 'changed' | 'detached', listener: (session: DeviceSession) => void): unknown;
}

export interface AutoBackupOptions {
  watcher: DeviceEvents;
  /** The current settings (read at each attach, so a change applies to the next phone). */
  settings: () => Promise<Pick<Settings, 'autoBackup' | 'destination'>>;
  /** Whether the user has set this phone up for backups (seen, trusted, chosen). */
  isSetUp: (udid: string) => boolean | Promise<boolean>;
  /** Starts a backup of the phone to the destination; resolves when the run ends. */
  startBackup: (session: DeviceSession, destination: NonNullable<Settings['destination']>) => Promise<unknown>;
  /** A backup that could not start or failed: for a notification. */
  onError?: (udid: string, error: unknown) => void;
}

export class AutoBackup {
  private readonly running = new Set<string>();
  /** Phones already handled during their current attachment. */
  private readonly handled = new Set<string>();
  private started = false;

  constructor(private readonly options: AutoBackupOptions) {}

  start(): void {
    if (this.started) return;
    this.started = true;
    this.options.watcher.on('attached', this.onSession);
    this.options.watcher.on('changed', this.onSession);
    this.options.watcher.on('detached', this.onDetached);
  }

  stop(): void {
    this.started = false;
    this.options.watcher.off('attached', this.onSession);
    this.options.watcher.off('changed', this.onSession);
    this.options.watcher.off('detached', this.onDetached);
  }

  /** True while an automatic backup of this phone is going. */
  isRunning(udid: string): boolean {
    return this.running.has(udid);
  }

  private readonly onDetached = (session: DeviceSession): void => {
    this.handled.delete(session.udid);
  };

  private readonly onSession = (session: DeviceSession): void => {
    if (!this.started || !session.connected || session.state !== 'ready') return;
    const udid = session.udid;
    if (this.running.has(udid) || this.handled.has(udid)) return;
    this.handled.add(udid);
    this.running.add(udid);
    void this.maybeBackUp(session).finally(() => this.running.delete(udid));
  };

  private async maybeBackUp(session: DeviceSession): Promise<void> {
    try {
      const settings = await this.options.settings();
      if (!settings.autoBackup || !settings.destination) return;
      if (!(await this.options.isSetUp(session.udid))) return;
      if (!this.started || !session.connected) return;
      await this.options.startBackup(session, settings.destination);
    } catch (error) {
      this.options.onError?.(session.udid, error);
    }
  }
}
