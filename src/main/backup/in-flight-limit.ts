/**
 * How many files a backup run keeps in flight, by count and by size, served in arrival order.
 *
 * Why sizes: a fixed count is right for photos (4 × 2.5 MB keep a USB 2 cable busy) but not for
 * small files. Each file costs a FILE_OPEN round trip and a slot hand-over during which its share
 * of the cable idles; with 4 files of 100 kB only ~400 kB (≈ 11 ms of a 35 MB/s cable) are in
 * flight, so those gaps show (bench/backup.ts: a raw AFC read of 100 kB files reached 0.63 of the
 * usb2 link with 4 in flight, 0.94 with 16). So `files` are always admitted whatever their size,
 * and beyond them up to `maxFiles` while the bytes of all files in flight stay within `maxBytes`:
 * small files get more company, large ones keep `files`, and memory stays bounded by bytes.
 */
export interface InFlightLimits {
  /** Files always allowed at once, whatever their size (the run's `concurrency`). */
  files: number;
  /** Most files at once, when they are small enough. Never below `files`. */
  maxFiles: number;
  /** Beyond `files`, a file is admitted only if the sizes of all in flight then stay within this. */
  maxBytes: number;
}

interface Waiter {
  size: number;
  grant: () => void;
}

export class InFlightLimit {
  private readonly files: number;
  private maxFiles: number;
  private readonly maxBytes: number;
  private count = 0;
  private bytes = 0;
  private readonly waiters: Waiter[] = [];

  constructor(limits: InFlightLimits) {
    this.files = Math.max(1, Math.floor(limits.files));
    this.maxFiles = Math.max(this.files, Math.floor(limits.maxFiles));
    this.maxBytes = Math.max(0, limits.maxBytes);
  }

  /** Files and bytes admitted and not yet released. */
  get inFlight(): { files: number; bytes: number } {
    return { files: this.count, bytes: this.bytes };
  }

  /** The current most files at once (lowered by `shrink`). */
  get fileLimit(): number {
    return this.maxFiles;
  }

  /**
   * Waits until a file of `size` bytes may start (after everyone who asked before it); the
   * returned function gives its place back (calling it again does nothing).
   */
  async acquire(size: number): Promise<() => void> {
    if (this.waiters.length === 0 && this.admits(size)) this.take(size);
    else await new Promise<void>((grant) => this.waiters.push({ size, grant }));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.count -= 1;
      this.bytes -= size;
      this.serve();
    };
  }

  /**
   * The other side ran out of room for more (the phone answered NO_RESOURCES: "no file slots"):
   * admit no more than one file fewer than are in flight now, but never fewer than `files`.
   */
  shrink(): void {
    this.maxFiles = Math.max(this.files, Math.min(this.maxFiles, this.count - 1));
  }

  private admits(size: number): boolean {
    if (this.count < this.files) return true;
    return this.count < this.maxFiles && this.bytes + size <= this.maxBytes;
  }

  private take(size: number): void {
    this.count += 1;
    this.bytes += size;
  }

  /** Grants waiters in order while the head fits: a large file is not overtaken by small ones. */
  private serve(): void {
    while (this.waiters.length > 0 && this.admits(this.waiters[0]!.size)) {
      const waiter = this.waiters.shift()!;
      this.take(waiter.size);
      waiter.grant();
    }
  }
}
