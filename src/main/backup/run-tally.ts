/**
 * A backup run's score, and the telling of it. BackupRun decides what happens to each file
 * (copy, retry, wait for the phone, stop); this keeps count of what came of it: files copied,
 * deduplicated and failed, bytes, the progress meter, which assets have all their planned files
 * done. And it reports them: `file`, `asset` and (throttled) `progress` events to listeners; the
 * run's counters, each failure's audit entry and the timeline's destination items to the catalog.
 */
import type { EventEmitter } from 'node:events';
import { serializeError } from '../../shared/errors';
import type { Catalog } from '../catalog/database';
import { DestinationItems } from './destination-items';
import type { CopyOutcome } from './file-copier';
import type { PlannedFile } from './plan';
import { type BackupProgress, ProgressMeter } from './progress';
import type { BackupRunEvents, FileEvent } from './run-events';

const PROGRESS_EVERY_MS = 250;

export interface RunTallyContext {
  runId: number;
  catalog: Catalog;
  destinationId: string;
  /** The phone's UDID, for the audit log and the destination items' ids. */
  udid: string;
  /** Where the `file`, `asset` and `progress` events go (the BackupRun). */
  events: EventEmitter<BackupRunEvents>;
}

export class RunTally {
  /** What BackupSummary reports: files copied, deduplicated and failed, and bytes newly written. */
  readonly counts = { copied: 0, deduplicated: 0, failed: 0, bytes: 0 };
  private readonly meter: ProgressMeter;
  private readonly items: DestinationItems;
  /** Per asset: its files still to do in this run, and whether one failed. */
  private readonly assetsLeft = new Map<number, { left: number; failed: boolean }>();
  private readonly progressDue = throttle(PROGRESS_EVERY_MS);
  private readonly recordDue = throttle(PROGRESS_EVERY_MS);

  constructor(private readonly ctx: RunTallyContext) {
    this.meter = new ProgressMeter(ctx.runId);
    this.items = new DestinationItems(ctx.catalog, ctx.destinationId, ctx.udid);
  }

  get progress(): BackupProgress {
    return this.meter.snapshot();
  }

  /** The plan is made: the totals (also in the catalog) and how many files each asset awaits. */
  planned(files: readonly PlannedFile[]): void {
    this.meter.filesTotal = files.length;
    this.meter.bytesTotal = files.reduce((sum, file) => sum + file.size, 0);
    for (const file of files) {
      const entry = this.assetsLeft.get(file.assetRowId) ?? { left: 0, failed: false };
      entry.left += 1;
      this.assetsLeft.set(file.assetRowId, entry);
    }
    this.ctx.catalog.runs.progress(this.ctx.runId, {
      itemsTotal: this.meter.filesTotal,
      bytesTotal: this.meter.bytesTotal,
    });
  }

  /** A transfer (`key`) reports its running byte count. */
  transferred(key: object, bytes: number): void {
    this.meter.update(key, bytes);
    this.emitProgress();
  }

  /** A transfer ended without finishing the file (paused, cable pulled, to be retried). */
  abandoned(key: object): void {
    this.meter.abandon(key);
  }

  /** The file's copy is verified on the destination (new, or found there already). */
  done(file: PlannedFile, key: object, outcome: CopyOutcome): void {
    this.meter.finish(key, file.size);
    this.counts[outcome.kind] += 1;
    if (outcome.kind === 'copied') this.counts.bytes += file.size;
    this.items.touch(file.assetRowId);
    this.fileEvent(file, outcome.kind, { sha256: outcome.sha256, location: outcome.location });
    this.assetFileDone(file, false);
    this.recordProgress();
  }

  /** The file failed for good in this run: reported, and audited with its error. */
  failed(file: PlannedFile, error: unknown): void {
    this.counts.failed += 1;
    this.meter.finish({}, file.size);
    this.fileEvent(file, 'failed', { error: serializeError(error) });
    this.assetFileDone(file, true);
    this.ctx.catalog.audit.append({
      action: 'copy.failed',
      runId: this.ctx.runId,
      deviceUdid: this.ctx.udid,
      subject: file.path,
      detail: serializeError(error) as unknown as Record<string, unknown>,
    });
    this.recordProgress();
  }

  /** Writes the destination items still pending (the timeline's view of the destination). */
  flushItems(): void {
    this.items.flush();
  }

  fileEvent(file: PlannedFile, state: FileEvent['state'], extra: Partial<FileEvent> = {}): void {
    this.ctx.events.emit('file', {
      runId: this.ctx.runId,
      path: file.path,
      assetKey: file.assetKey,
      role: file.role,
      size: file.size,
      state,
      ...(file.sha256 && !extra.sha256 ? { sha256: file.sha256 } : {}),
      ...extra,
    });
  }

  /** A `progress` event, at most every PROGRESS_EVERY_MS unless `force`d. */
  emitProgress(force = false): void {
    if (this.progressDue(force)) this.ctx.events.emit('progress', this.meter.snapshot());
  }

  /**
   * The run's counters in the catalog, at most every PROGRESS_EVERY_MS (one write per file cost
   * a transaction per file) unless `force`d: the run writes the final ones so. After a kill -9
   * they lag by that much.
   */
  recordProgress(force = false): void {
    if (!this.recordDue(force)) return;
    this.ctx.catalog.runs.progress(this.ctx.runId, {
      itemsDone: this.counts.copied + this.counts.deduplicated,
      itemsFailed: this.counts.failed,
      bytesDone: this.meter.bytesDone,
    });
  }

  private assetFileDone(file: PlannedFile, failed: boolean): void {
    const entry = this.assetsLeft.get(file.assetRowId);
    if (!entry) return;
    entry.left -= 1;
    entry.failed ||= failed;
    if (entry.left > 0) return;
    this.assetsLeft.delete(file.assetRowId);
    this.ctx.events.emit('asset', {
      runId: this.ctx.runId,
      assetRowId: file.assetRowId,
      assetKey: file.assetKey,
      state: entry.failed ? 'failed' : 'verified',
    });
  }
}

/** Says yes at most once every `ms` (always when forced), and counts a yes as the last time. */
function throttle(ms: number): (force?: boolean) => boolean {
  let lastMs = 0;
  return (force = false) => {
    const now = performance.now();
    if (!force && now - lastMs < ms) return false;
    lastMs = now;
    return true;
  };
}
