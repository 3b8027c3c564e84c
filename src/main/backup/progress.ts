/**
 * Progress of a run: files and bytes done out of the total, the current speed over a sliding
 * window (so a pause or a slow stretch shows at once, unlike an average since the start), and
 * the time left at that speed.
 */

/** What a `progress` event carries (the shape of the contract's `backup.progress`). */
export interface BackupProgress {
  runId: number;
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
  /** Bytes per second over the last few seconds. */
  bytesPerSecond: number;
  /** Seconds left at the current speed, or null while it is not known (no speed yet). */
  etaSeconds: number | null;
}

const WINDOW_MS = 5000;

export class ProgressMeter {
  filesDone = 0;
  filesTotal = 0;
  bytesTotal = 0;
  private finishedBytes = 0;
  /** Bytes of files under way, by file, as their transfers report them. */
  private readonly inFlight = new Map<object, number>();
  private readonly samples: Array<{ atMs: number; bytes: number }> = [];

  constructor(
    readonly runId: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get bytesDone(): number {
    let bytes = this.finishedBytes;
    for (const value of this.inFlight.values()) bytes += value;
    return bytes;
  }

  /** A file's transfer reports its running byte count (`key` identifies the transfer). */
  update(key: object, bytes: number): void {
    this.inFlight.set(key, bytes);
    this.sample();
  }

  /** A transfer ended without finishing (dropped, paused): its bytes are no longer counted. */
  abandon(key: object): void {
    this.inFlight.delete(key);
  }

  /** A file is done (copied, deduplicated or failed): all of its bytes count as done. */
  finish(key: object, size: number): void {
    this.inFlight.delete(key);
    this.finishedBytes += size;
    this.filesDone += 1;
    this.sample();
  }

  snapshot(): BackupProgress {
    const bytesPerSecond = this.speed();
    const left = Math.max(0, this.bytesTotal - this.bytesDone);
    return {
      runId: this.runId,
      filesDone: this.filesDone,
      filesTotal: this.filesTotal,
      bytesDone: this.bytesDone,
      bytesTotal: this.bytesTotal,
      bytesPerSecond,
      etaSeconds: left === 0 ? 0 : bytesPerSecond > 0 ? Math.ceil(left / bytesPerSecond) : null,
    };
  }

  private sample(): void {
    const atMs = this.now();
    const n = this.samples.length;
    // About one sample per 100 ms is plenty for a 5 s window, and keeps the list short: a sample
    // newer than that after the one before it is replaced rather than added.
    if (n >= 2 && atMs - this.samples[n - 2]!.atMs < 100) this.samples[n - 1] = { atMs, bytes: this.bytesDone };
    else this.samples.push({ atMs, bytes: this.bytesDone });
    while (this.samples.length > 2 && this.samples[0]!.atMs < atMs - WINDOW_MS) this.samples.shift();
  }

  private speed(): number {
    const atMs = this.now();
    const first = this.samples.find((s) => s.atMs >= atMs - WINDOW_MS);
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.atMs - first.atMs < 1) return 0;
    // Measured to now, not to the last sample: when nothing arrives the speed falls.
    return Math.max(0, ((last.bytes - first.bytes) * 1000) / Math.max(atMs - first.atMs, 1));
  }
}
