import type { BackupRun as BackupRunView, EventName, EventPayload, Settings } from '../shared/contract';
import { RollkeeperError } from '../shared/errors';
import { AutoBackup } from './backup/auto-backup';
import { backupPhone } from './backup/backup-phone';
import type { BackupRun, BackupRunState } from './backup/backup-run';
import { openDestination } from './backup/open-destination';
import { watcherPhoneLink } from './backup/phone-files';
import type { Catalog } from './catalog/database';
import type { DeviceWatcher } from './device/device-watcher';

export class NoDestinationError extends RollkeeperError {
  override name = 'NoDestinationError';
  constructor() {
    super('backup.no-destination', 'No backup folder is chosen yet.', 'Choose a backup folder in Settings.');
  }
}

export class PhoneNotReadyError extends RollkeeperError {
  override name = 'PhoneNotReadyError';
  constructor(message: string) {
    super('backup.phone-not-ready', 'This iPhone cannot be backed up right now.', message);
  }
}

export class UnknownRunError extends RollkeeperError {
  override name = 'UnknownRunError';
  constructor(runId: string) {
    super('backup.unknown-run', `There is no backup run ${runId.slice(0, 40)}.`);
  }
}

/** The run's state as the contract says it (planning is part of running). */
function contractState(state: BackupRunState): BackupRunView['state'] {
  if (state === 'planning') return 'running';
  return state === 'waiting-for-device' ? 'waiting-for-phone' : state;
}

/** The contract's view of a run: its state and, once it has ended, what it did and why it stopped. */
function viewOf(run: BackupRun, runId: string, udid: string): BackupRunView {
  const summary = run.summary;
  return {
    runId,
    udid,
    state: contractState(run.state),
    summary: summary
      ? {
          copied: summary.copied,
          deduplicated: summary.deduplicated,
          failed: summary.failed,
          bytes: summary.bytes,
          seconds: summary.seconds,
        }
      : null,
    // A cancel is the user's own doing: no error to show for it.
    error: summary?.state === 'failed' && summary.error ? summary.error : null,
  };
}

interface Dependencies {
  catalog: () => Catalog;
  watcher: DeviceWatcher;
  settings: () => Promise<Settings>;
  /** Resolves when the phone's library scan (started when it became ready) has ended. */
  scanned: (udid: string) => Promise<void>;
  emit: <E extends EventName>(event: E, payload: EventPayload<E>) => void;
}

/**
 * Backups as the UI drives them: one run per phone at a time, to the folder in Settings, with
 * pause, resume and cancel by run id, progress and per-asset events forwarded to the UI, and
 * auto-backup for phones the user has backed up before (the "Auto-Upload" setting).
 */
export class BackupService {
  private readonly runs = new Map<string, { run: BackupRun; udid: string }>();
  private readonly byPhone = new Map<string, string>();
  private readonly auto: AutoBackup;

  constructor(private readonly deps: Dependencies) {
    this.auto = new AutoBackup({
      watcher: deps.watcher,
      settings: deps.settings,
      isSetUp: (udid) => this.backedUpBefore(udid),
      startBackup: async (session) => {
        const view = await this.start(session.udid);
        await this.finished(view.runId);
      },
    });
  }

  startAuto(): void {
    this.auto.start();
  }

  stop(): void {
    this.auto.stop();
    for (const { run } of this.runs.values()) run.cancel();
  }

  /** Starts (or returns the running) backup of a phone to the chosen folder. */
  async start(udid: string): Promise<BackupRunView> {
    const current = this.byPhone.get(udid);
    if (current) return this.view(current);
    const settings = await this.deps.settings();
    if (!settings.destination) throw new NoDestinationError();
    const session = this.deps.watcher.session(udid);
    if (!session?.connected || session.state !== 'ready') {
      throw new PhoneNotReadyError(session?.info.message || 'Connect the iPhone, unlock it and tap Trust.');
    }
    await this.deps.scanned(udid);
    const catalog = this.deps.catalog();
    const { destination, id } = await openDestination(settings.destination.path, catalog, {
      // A lock taken over from a computer that went silent: worth a line in the app's log.
      onNotice: (message) => console.warn(`Rollkeeper: ${message}`),
    });
    const info = session.info;
    const started = new Promise<BackupRun>((resolve, reject) => {
      backupPhone({
        catalog,
        destination,
        destinationId: id,
        link: watcherPhoneLink(this.deps.watcher, udid),
        deviceInfo: { name: info.name, model: info.model, osVersion: info.iosVersion },
        concurrency: settings.concurrency,
        onRun: (run) => {
          this.follow(run, udid);
          resolve(run);
        },
      })
        .then(() => this.deps.emit('library.scanned', this.scannedPayload(udid)))
        .catch(reject)
        .finally(() => {
          this.byPhone.delete(udid);
          void destination.close();
        });
    });
    const run = await started;
    return this.view(String(run.runId));
  }

  pause(runId: string): BackupRunView {
    this.find(runId).run.pause();
    return this.view(runId);
  }

  resume(runId: string): BackupRunView {
    this.find(runId).run.resume();
    return this.view(runId);
  }

  cancel(runId: string): BackupRunView {
    this.find(runId).run.cancel();
    return this.view(runId);
  }

  private follow(run: BackupRun, udid: string): void {
    const runId = String(run.runId);
    this.runs.set(runId, { run, udid });
    this.byPhone.set(udid, runId);
    run.on('progress', (p) => this.deps.emit('backup.progress', { ...p, runId }));
    run.on('state', () => this.deps.emit('backup.state', viewOf(run, runId, udid)));
    run.on('asset', (a) =>
      this.deps.emit('asset.stateChanged', {
        assetId: a.assetKey,
        badge: a.state === 'verified' ? 'backed-up' : 'not-backed-up',
      }),
    );
  }

  private async finished(runId: string): Promise<void> {
    const { run } = this.find(runId);
    if (['completed', 'failed', 'cancelled'].includes(run.state)) return;
    await new Promise<void>((resolve) => {
      const onState = (state: BackupRunState) => {
        if (state !== 'completed' && state !== 'failed' && state !== 'cancelled') return;
        run.off('state', onState);
        resolve();
      };
      run.on('state', onState);
    });
  }

  private find(runId: string): { run: BackupRun; udid: string } {
    const found = this.runs.get(runId);
    if (!found) throw new UnknownRunError(runId);
    return found;
  }

  private view(runId: string): BackupRunView {
    const { run, udid } = this.find(runId);
    return viewOf(run, runId, udid);
  }

  /** Tells the timeline to look again after a run: copies now count as backed up. */
  private scannedPayload(udid: string): EventPayload<'library.scanned'> {
    const device = this.deps.catalog().devices.byUdid(udid);
    const assets = device ? this.deps.catalog().assets.listOnDevice(device.id).length : 0;
    return { udid, assets, added: 0, removed: 0, error: null };
  }

  private backedUpBefore(udid: string): boolean {
    const device = this.deps.catalog().devices.byUdid(udid);
    return (
      device !== undefined &&
      this.deps
        .catalog()
        .runs.recent(1000)
        .some((r) => r.kind === 'backup' && r.deviceId === device.id)
    );
  }
}
