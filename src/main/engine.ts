import { EventEmitter } from 'node:events';
import type { EngineApi, EventMessage, EventName, EventPayload, MethodArgs, MethodResult } from '../shared/contract';
import { RollkeeperError, type SerializedError, serializeError } from '../shared/errors';
import { BackupService } from './backup-service';
import { Catalog } from './catalog/database';
import type { DeviceWatcher } from './device/device-watcher';
import { SettingsStore } from './settings/settings-store';
import { PhoneScans } from './phone-scans';
import { TimelineView } from './timeline-view';
import { version } from './version';

/** A call whose subsystem is not built yet: said plainly instead of pretending. */
export class NotAvailableError extends RollkeeperError {
  override name = 'NotAvailableError';
  constructor(what: string) {
    super('engine.not-available', `${what} is not available in this version of Rollkeeper yet.`);
  }
}

/** Raised where no folder picker exists (the browser UI of `rollkeeper serve`). */
export class NoFolderPickerError extends RollkeeperError {
  override name = 'NoFolderPickerError';
  constructor() {
    super('settings.no-folder-picker', 'A folder picker opens only in the desktop app.', "Type the folder's path.");
  }
}

export interface EngineOptions {
  dataDir: string;
  transport: 'electron' | 'websocket';
  /** The desktop's folder picker (Electron's dialog), starting at `current`; null when cancelled. */
  chooseFolder?: (current?: string) => Promise<string | null>;
  /** Where phones come from (usbmuxd's hot-plug events); none in tests that need no phone. */
  watcher?: DeviceWatcher;
}

/**
 * Composes the subsystems (devices, catalog, backup, destinations, erase) behind the contract.
 * Both transports hold one Engine; events fan out to every listener.
 */
export class Engine implements EngineApi {
  private readonly emitter = new EventEmitter();
  private readonly settings: SettingsStore;
  private deviceProblem: SerializedError | null = null;
  private catalogHandle: Catalog | undefined;
  private timelineView: TimelineView | undefined;
  private readonly backups: BackupService | undefined;
  private readonly scans = new PhoneScans(
    () => this.catalog,
    (result) => this.emit('library.scanned', result),
  );

  constructor(private readonly options: EngineOptions) {
    this.settings = new SettingsStore(options.dataDir);
    const watcher = options.watcher;
    if (watcher) {
      watcher.on('attached', (session) => {
        this.emit('device.attached', session.info);
        this.scans.consider(session);
      });
      watcher.on('changed', (session) => {
        this.emit('device.state', session.info);
        this.scans.consider(session);
      });
      watcher.on('detached', (session) => {
        this.scans.forget(session.udid);
        this.emit('device.detached', { udid: session.udid });
      });
      // usbmuxd missing or gone: kept for the UI (the watcher retries by itself).
      watcher.on('error', (error) => (this.deviceProblem = serializeError(error)));
      watcher.on('listening', () => (this.deviceProblem = null));
      this.backups = new BackupService({
        catalog: () => this.catalog,
        watcher,
        settings: () => this.settings.get(),
        scanned: (udid) => this.scans.settled(udid),
        emit: (event, payload) => this.emit(event, payload),
      });
    }
  }

  /** Starts watching for phones. Never throws when usbmuxd is absent: the watcher keeps retrying. */
  async start(): Promise<void> {
    await this.options.watcher?.start();
    this.backups?.startAuto();
  }

  /** Subscribe to every event; returns the unsubscribe function. */
  onEvent(listener: (message: EventMessage) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }

  protected emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    this.emitter.emit('event', { event, payload } satisfies EventMessage<E>);
  }

  /** The catalog in the data folder, opened (and migrated) on first use. */
  get catalog(): Catalog {
    this.catalogHandle ??= Catalog.openInDataDir(this.options.dataDir);
    return this.catalogHandle;
  }

  private get timeline(): TimelineView {
    this.timelineView ??= new TimelineView(this.catalog, () => undefined);
    return this.timelineView;
  }

  async close(): Promise<void> {
    this.backups?.stop();
    this.options.watcher?.stop();
    await this.scans.idle();
    this.catalogHandle?.close();
    this.emitter.removeAllListeners();
  }

  async 'app.info'(): Promise<MethodResult<'app.info'>> {
    return {
      version: version(),
      dataDir: this.options.dataDir,
      transport: this.options.transport,
      deviceProblem: this.deviceProblem,
    };
  }

  async 'devices.list'(): Promise<MethodResult<'devices.list'>> {
    return (this.options.watcher?.sessions() ?? []).filter((s) => s.connected).map((s) => s.info);
  }

  async 'timeline.buckets'(args: MethodArgs<'timeline.buckets'>): Promise<MethodResult<'timeline.buckets'>> {
    return this.timeline.buckets(args);
  }

  async 'timeline.page'(args: MethodArgs<'timeline.page'>): Promise<MethodResult<'timeline.page'>> {
    return this.timeline.page(args);
  }

  async 'settings.get'(): Promise<MethodResult<'settings.get'>> {
    return this.settings.get();
  }

  async 'settings.update'(args: MethodArgs<'settings.update'>): Promise<MethodResult<'settings.update'>> {
    return this.settings.update(args);
  }

  async 'settings.chooseFolder'(
    args: MethodArgs<'settings.chooseFolder'>,
  ): Promise<MethodResult<'settings.chooseFolder'>> {
    if (!this.options.chooseFolder) throw new NoFolderPickerError();
    return { path: await this.options.chooseFolder(args.current) };
  }

  private get backupService(): BackupService {
    if (!this.backups) throw new NotAvailableError('Backup without a phone connection');
    return this.backups;
  }

  async 'backup.start'(args: MethodArgs<'backup.start'>): Promise<MethodResult<'backup.start'>> {
    return this.backupService.start(args.udid);
  }
  async 'backup.pause'(args: MethodArgs<'backup.pause'>): Promise<MethodResult<'backup.pause'>> {
    return this.backupService.pause(args.runId);
  }
  async 'backup.resume'(args: MethodArgs<'backup.resume'>): Promise<MethodResult<'backup.resume'>> {
    return this.backupService.resume(args.runId);
  }
  async 'backup.cancel'(args: MethodArgs<'backup.cancel'>): Promise<MethodResult<'backup.cancel'>> {
    return this.backupService.cancel(args.runId);
  }
  async 'freeUp.plan'(): Promise<MethodResult<'freeUp.plan'>> {
    throw new NotAvailableError('Free up space');
  }
  async 'freeUp.run'(): Promise<MethodResult<'freeUp.run'>> {
    throw new NotAvailableError('Free up space');
  }
  async 'assets.delete'(): Promise<MethodResult<'assets.delete'>> {
    throw new NotAvailableError('Delete');
  }
}
