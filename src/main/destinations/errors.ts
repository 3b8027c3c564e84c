/**
 * Errors a user can meet when writing to or reading from a destination. Each has a stable
 * `code` and a hint that says what to do; all are shared by local, S3 and Jottacloud.
 */
import { RollkeeperError } from '../../shared/errors';

/** Human byte count for messages: 1536 → "1.5 KiB". */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}

/** No space left (ENOSPC, EDQUOT, a full quota). Says where and how much was needed. */
export class DestinationFullError extends RollkeeperError {
  override name = 'DestinationFullError';
  constructor(
    readonly folder: string,
    readonly bytesNeeded: number,
    readonly bytesFree: number | null,
    options?: { cause?: unknown },
  ) {
    super(
      'destination.full',
      `Not enough space in ${folder}: ${formatBytes(bytesNeeded)} needed` +
        (bytesFree === null ? '.' : `, ${formatBytes(bytesFree)} free.`),
      'Free up space on that drive or choose another backup folder, then run the backup again.',
      options,
    );
  }
}

/** The destination refuses writes (EROFS, EACCES, EPERM, a read-only share). */
export class DestinationReadOnlyError extends RollkeeperError {
  override name = 'DestinationReadOnlyError';
  constructor(
    readonly folder: string,
    options?: { cause?: unknown },
  ) {
    super(
      'destination.read-only',
      `Cannot write to ${folder}: the folder is read-only or you lack permission.`,
      'Check that the drive is not write-protected and that your account may write to that folder.',
      options,
    );
  }
}

/** The destination is not there: a disconnected drive, an unmounted NAS, a missing folder. */
export class DestinationUnavailableError extends RollkeeperError {
  override name = 'DestinationUnavailableError';
  constructor(
    readonly folder: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      'destination.unavailable',
      `The backup folder ${folder} is not available: ${reason}`,
      'Connect the drive or mount the network share, then try again. Rollkeeper never creates a missing backup folder by itself.',
      options,
    );
  }
}

/** Human duration for messages: 20_000 → "20 s", 330_000 → "5 min 30 s", 7_200_000 → "2 h". */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return seconds % 60 === 0 ? `${minutes} min` : `${minutes} min ${seconds % 60} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} days`;
}

/** Who holds a destination's lock, as far as its lock file tells. */
export interface LockHolder {
  host: string;
  pid: number;
  /** How long ago the holder last refreshed its lease; null when unknown. */
  lastSeenAgoMs: number | null;
  /** The idle time after which the lock counts as abandoned and is taken over. */
  leaseMs: number;
}

/**
 * Another Rollkeeper process holds the destination's lock (or took it over from this one after
 * this process stopped refreshing it, say while the computer slept).
 */
export class DestinationInUseError extends RollkeeperError {
  override name = 'DestinationInUseError';
  constructor(
    readonly folder: string,
    /** Null when the lock file could not be read. */
    readonly holder: LockHolder | null,
  ) {
    super('destination.in-use', inUseMessage(folder, holder), inUseHint(holder));
  }
}

function inUseMessage(folder: string, holder: LockHolder | null): string {
  if (!holder) return `The backup folder ${folder} is in use by another Rollkeeper.`;
  const seen = holder.lastSeenAgoMs === null ? '' : `, active ${formatDuration(holder.lastSeenAgoMs)} ago`;
  return `The backup folder ${folder} is in use by another Rollkeeper (process ${holder.pid} on ${holder.host}${seen}).`;
}

function inUseHint(holder: LockHolder | null): string {
  const wait = 'Close the other Rollkeeper window or command, or wait for its backup to finish.';
  if (!holder) return wait;
  const remaining =
    holder.lastSeenAgoMs === null
      ? ''
      : ` (in about ${formatDuration(Math.max(0, holder.leaseMs - holder.lastSeenAgoMs))})`;
  return (
    `Close Rollkeeper on ${holder.host}, or wait for its backup to finish. If ${holder.host} crashed, ` +
    `slept or lost its connection, Rollkeeper takes the folder over by itself once the lock has been ` +
    `idle for ${formatDuration(holder.leaseMs)}${remaining}.`
  );
}

/** The bytes written are not the bytes expected (size or hash): the copy was discarded. */
export class ContentMismatchError extends RollkeeperError {
  override name = 'ContentMismatchError';
  constructor(
    readonly what: string,
    readonly field: 'size' | 'sha256' | 'md5',
    readonly expected: string | number,
    readonly actual: string | number,
  ) {
    super(
      'destination.content-mismatch',
      `${what}: ${field} is ${actual}, expected ${expected}. The copy was discarded.`,
      'Run the backup again; if it keeps happening, the cable or the phone may be corrupting data.',
    );
  }
}

/** A location that does not exist, or that names something outside the destination. */
export class LocationNotFoundError extends RollkeeperError {
  override name = 'LocationNotFoundError';
  constructor(readonly location: string) {
    super(
      'destination.not-found',
      `No stored file at "${location}".`,
      'The copy may have been moved or deleted outside Rollkeeper; run a verify to update the catalog.',
    );
  }
}

/** Any other I/O failure at the destination, with the system's own words. */
export class DestinationIoError extends RollkeeperError {
  override name = 'DestinationIoError';
  constructor(
    readonly folder: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(
      'destination.io',
      `Error using the backup folder ${folder}: ${detail}`,
      'Check the drive or network connection and try again.',
      options,
    );
  }
}
