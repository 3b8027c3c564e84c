/**
 * A backup run: plan what is missing, copy it with several files in flight, and keep going
 * through the things that happen to a phone on a cable.
 *
 * - Pause stops every transfer at once (their partial temp files are discarded by the
 *   destination) and puts the files back at the head of the queue; resume picks them up.
 * - A pulled cable (any device error that is not a file's own status) puts the file back and
 *   waits for the phone to come back; files already verified are never read again.
 * - A file that changed on the phone mid-read is retried (the listing may just be stale), then
 *   reported; a vanished file is reported. Neither is ever stored half.
 * - A destination that is full, read-only or gone stops the run: no point reading the phone.
 * - Killed with kill -9: the catalog holds `copying` at worst, which the next run reconciles.
 *
 * What came of each file is counted and reported (events, catalog counters, audit) by
 * run-tally.ts; the events a run emits are defined in run-events.ts.
 */
import { EventEmitter } from 'node:events';
import { serializeError } from '../../shared/errors';
import type { Catalog } from '../catalog/database';
import type { RunState } from '../catalog/runs-repository';
import type { Destination } from '../destinations/destination';
import { DestinationFullError } from '../destinations/errors';
import { BackupCancelledError, DeviceGoneTooLongError } from './errors';
import { isDestinationFatal, isDeviceGone, isOutOfFileSlots, isRetriable } from './failure-kinds';
import { FileCopier } from './file-copier';
import type { PhoneFiles } from './phone-files';
import { delay } from './phone-files';
import { planBackup, type BackupOrder, type PlannedFile } from './plan';
import type { BackupProgress } from './progress';
import { reconcile } from './reconcile';
import { InFlightLimit } from './in-flight-limit';
import type { BackupRunEvents, BackupRunState, BackupSummary, RunEnd } from './run-events';
import { RunTally } from './run-tally';

export type { AssetEvent, BackupRunEvents, BackupRunState, BackupSummary, FileEvent, RunEnd } from './run-events';

export interface BackupRunOptions {
  catalog: Catalog;
  destination: Destination;
  /** The destination's id in the catalog (its own stable id, e.g. the local folder's marker id). */
  destinationId: string;
  /** The phone's row in the catalog; its assets must have been scanned into it. */
  deviceId: number;
  phone: PhoneFiles;
  /**
   * Files read from the phone at once, whatever their size. Default 4. Small files get more
   * company (see in-flight-limit.ts): up to 4× as many (at most 16, never fewer than this)
   * while their sizes together stay within 4 MiB. As many more may be finishing meanwhile
   * (data fsync, commit, read-back): they no longer need the phone, and overlapping them with
   * the next reads keeps the cable busy.
   */
  concurrency?: number;
  order?: BackupOrder;
  /** How long to wait for a disconnected phone before giving up. Default 10 minutes. */
  maxDeviceWaitMs?: number;
  /** Attempts per file when it changed on the phone or its read-back failed. Default 3. */
  maxAttempts?: number;
  /** Cancels the run (as `cancel()` does). */
  signal?: AbortSignal;
}

/**
 * Bytes of small files read from the phone at once beyond `concurrency` files: about 0.1 s of a
 * USB 2 cable, enough to hide the per-file round trips (bench/backup.ts, goal 3); photos of
 * 1.5 MB and more already fill it with `concurrency` files, so they keep that count.
 */
const SMALL_FILES_BYTES = 4 * 1024 * 1024;
/** Most files read from the phone at once, however small (a phone has only so many file slots). */
const SMALL_FILES_MAX = 16;

export class BackupRun extends EventEmitter<BackupRunEvents> {
  readonly runId: number;
  private stateValue: BackupRunState = 'planning';
  private summaryValue: BackupSummary | undefined;
  private readonly tally: RunTally;
  private readonly copier: FileCopier;
  private readonly cancelController = new AbortController();
  private pauseController = new AbortController();
  private resumed: { promise: Promise<void>; resolve: () => void } | undefined;
  private deviceWait: Promise<void> | undefined;
  private queue: PlannedFile[] = [];
  private readonly attempts = new Map<PlannedFile, number>();
  private fatal: unknown;
  private started = false;
  private phoneSlots = new InFlightLimit({ files: 1, maxFiles: 1, maxBytes: 0 });
  private pipelineSlots = new InFlightLimit({ files: 2, maxFiles: 2, maxBytes: 0 });
  private readonly inFlight = new Set<{ reading: boolean; stop: AbortController }>();
  /** Files taken from the queue and waiting for their turn (still to do, like the queue's). */
  private readonly waiting = new Set<PlannedFile>();

  constructor(private readonly options: BackupRunOptions) {
    super();
    const { catalog, deviceId, destinationId } = options;
    this.runId = catalog.runs.start('backup', { deviceId, destinationId }).id;
    this.tally = new RunTally({ runId: this.runId, catalog, destinationId, udid: options.phone.udid, events: this });
    this.copier = new FileCopier({ ...options, runId: this.runId });
    options.signal?.addEventListener('abort', () => this.cancel(), { once: true });
    if (options.signal?.aborted) this.cancel();
  }

  get state(): BackupRunState {
    return this.stateValue;
  }

  get progress(): BackupProgress {
    return this.tally.progress;
  }

  /** What the run did, once it has ended (completed, failed or cancelled); undefined before. */
  get summary(): BackupSummary | undefined {
    return this.summaryValue;
  }

  /** Runs to the end: resolves with the summary (also for a failed or cancelled run; never rejects). */
  async run(): Promise<BackupSummary> {
    if (this.started) throw new Error('BackupRun.run() may be called once');
    this.started = true;
    const startMs = performance.now();
    const { catalog, destination, destinationId, deviceId, phone } = this.options;
    let end: RunEnd = 'completed';
    try {
      await reconcile(catalog, destination, destinationId, deviceId, phone.udid, this.cancelController.signal);
      this.queue = planBackup(catalog, deviceId, destinationId, this.options.order);
      this.tally.planned(this.queue);
      if (this.stateValue === 'planning') this.setState('running');
      this.tally.emitProgress(true);
      const reading = Math.max(1, Math.min(this.options.concurrency ?? 4, 64));
      const maxReading = Math.max(reading, Math.min(4 * reading, SMALL_FILES_MAX));
      this.phoneSlots = new InFlightLimit({ files: reading, maxFiles: maxReading, maxBytes: SMALL_FILES_BYTES });
      // Reading or finishing: as many again as may read, by count and by bytes.
      this.pipelineSlots = new InFlightLimit({
        files: 2 * reading,
        maxFiles: 2 * maxReading,
        maxBytes: 2 * SMALL_FILES_BYTES,
      });
      await Promise.all(Array.from({ length: 2 * maxReading }, () => this.worker()));
      if (this.fatal !== undefined) throw this.fatal;
      this.cancelController.signal.throwIfAborted();
    } catch (error) {
      this.fatal ??= error;
      // A cancel surfaces as BackupCancelledError (the abort reason); anything else is a failure.
      end = this.fatal instanceof BackupCancelledError ? 'cancelled' : 'failed';
    }
    const seconds = (performance.now() - startMs) / 1000;
    try {
      this.tally.flushItems();
    } catch (error) {
      // The copies are verified either way; the timeline catches up at the next run.
      this.fatal ??= error;
      if (end === 'completed') end = 'failed';
    }
    this.tally.emitProgress(true);
    const error =
      end === 'completed' ? undefined : serializeError(end === 'cancelled' ? new BackupCancelledError() : this.fatal);
    this.tally.recordProgress(true);
    catalog.runs.finish(this.runId, end, error?.message);
    // Kept before the last state event, so its listeners can read what the run did.
    this.summaryValue = { runId: this.runId, state: end, ...this.tally.counts, seconds, ...(error ? { error } : {}) };
    this.setState(end);
    return this.summaryValue;
  }

  /** Stops every transfer now; files under way go back to the head of the queue. */
  pause(): void {
    if (this.stateValue !== 'running' && this.stateValue !== 'waiting-for-device' && this.stateValue !== 'planning')
      return;
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    this.resumed = { promise, resolve };
    this.pauseController.abort(new PausedSignal());
    this.setState('paused');
  }

  resume(): void {
    if (this.stateValue !== 'paused' || !this.resumed) return;
    this.pauseController = new AbortController();
    const { resolve } = this.resumed;
    this.resumed = undefined;
    this.setState('running');
    resolve();
  }

  /** Stops the run; files verified so far stay verified. */
  cancel(): void {
    if (this.cancelController.signal.aborted) return;
    this.cancelController.abort(new BackupCancelledError());
    this.resumed?.resolve();
  }

  private async worker(): Promise<void> {
    const cancelled = this.cancelController.signal;
    while (!cancelled.aborted && this.fatal === undefined) {
      if (this.resumed) {
        await this.resumed.promise;
        continue;
      }
      if (this.deviceWait) {
        await this.deviceWait.catch(() => undefined);
        continue;
      }
      const file = this.queue.shift();
      if (!file) return;
      // The limits are by size, so the file is taken first; it waits its turn out of the queue.
      this.waiting.add(file);
      const releasePipeline = await this.pipelineSlots.acquire(file.size);
      const releasePhone = await this.phoneSlots.acquire(file.size);
      this.waiting.delete(file);
      // Things may have changed while waiting: put the file back at the head if so.
      if (cancelled.aborted || this.resumed || this.deviceWait || this.fatal !== undefined) {
        this.queue.unshift(file);
        releasePhone();
        releasePipeline();
        continue;
      }
      const flight = { reading: true, stop: new AbortController() };
      this.inFlight.add(flight);
      const signal = AbortSignal.any([cancelled, this.pauseController.signal, flight.stop.signal]);
      const key = {};
      this.tally.fileEvent(file, 'copying');
      try {
        const outcome = await this.copier.copy(
          file,
          signal,
          (bytes) => this.tally.transferred(key, bytes),
          () => {
            flight.reading = false;
            releasePhone();
          },
        );
        this.inFlight.delete(flight);
        releasePhone();
        releasePipeline();
        this.tally.done(file, key, outcome);
      } catch (error) {
        this.inFlight.delete(flight);
        // "No file slots": the phone allows fewer open files than are read now (this one counted).
        if (isOutOfFileSlots(error)) this.phoneSlots.shrink();
        releasePhone();
        releasePipeline();
        this.tally.abandoned(key);
        await this.handleFailure(file, error, signal);
      }
      this.tally.emitProgress();
    }
  }

  private async handleFailure(file: PlannedFile, error: unknown, signal: AbortSignal): Promise<void> {
    if (this.cancelController.signal.aborted) return;
    if (signal.aborted) {
      this.queue.unshift(file); // paused: do it first on resume
      return;
    }
    if (isDeviceGone(error)) {
      this.queue.unshift(file);
      await this.waitForDevice();
      return;
    }
    if (isDestinationFatal(error)) {
      this.fatal ??= this.withSpaceNeeded(error, file);
      // No new files, and stop those still reading from the phone (their writes would fail
      // too); files already written finish their commit and read-back, so what is in the
      // folder is counted and verified.
      for (const flight of this.inFlight) if (flight.reading) flight.stop.abort(this.fatal);
      return;
    }
    const attempts = (this.attempts.get(file) ?? 0) + 1;
    this.attempts.set(file, attempts);
    if (isRetriable(error) && attempts < (this.options.maxAttempts ?? 3)) {
      this.tally.fileEvent(file, 'retrying', { error: serializeError(error) });
      // NO_RESOURCES: the phone has too many files open; give it a moment.
      if (isOutOfFileSlots(error)) await delay(50 * attempts, this.cancelController.signal).catch(() => undefined);
      this.queue.push(file);
      return;
    }
    this.tally.failed(file, error);
  }

  /** One wait for the phone shared by every worker; gives up after maxDeviceWaitMs. */
  private waitForDevice(): Promise<void> {
    if (this.deviceWait) return this.deviceWait.catch(() => undefined);
    const waitMs = this.options.maxDeviceWaitMs ?? 600_000;
    const timeout = AbortSignal.timeout(waitMs);
    const previous = this.stateValue;
    if (previous === 'running') this.setState('waiting-for-device');
    this.deviceWait = this.options.phone
      .waitUntilReachable(AbortSignal.any([this.cancelController.signal, timeout]))
      .catch((error: unknown) => {
        if (timeout.aborted && !this.cancelController.signal.aborted) {
          this.fatal = new DeviceGoneTooLongError(Math.round(waitMs / 1000));
          this.cancelController.abort(this.fatal);
        } else if (!this.cancelController.signal.aborted) {
          this.fatal = error;
        }
      })
      .finally(() => {
        this.deviceWait = undefined;
        if (this.stateValue === 'waiting-for-device') this.setState('running');
      });
    return this.deviceWait;
  }

  /** A full destination: say how much the rest of the run needs, not just this file. */
  private withSpaceNeeded(error: unknown, file: PlannedFile): unknown {
    if (!(error instanceof DestinationFullError)) return error;
    const rest = [...this.queue, ...this.waiting];
    const needed = file.size + rest.reduce((sum, f) => sum + f.size, 0);
    return new DestinationFullError(error.folder, needed, error.bytesFree, { cause: error });
  }

  private setState(state: BackupRunState): void {
    if (this.stateValue === state) return;
    this.stateValue = state;
    this.emit('state', state);
  }
}

/** The abort reason of a pause: never shown, only told apart from a cancel. */
class PausedSignal extends Error {
  override name = 'PausedSignal';
  constructor() {
    super('paused');
  }
}

export type { RunState };
