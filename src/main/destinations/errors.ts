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

/** Another Rollkeeper process holds the destination's lock. */
export class DestinationInUseError extends RollkeeperError {
  override name = 'DestinationInUseError';
  constructor(
    readonly folder: string,
    holder: string,
  ) {
    super(
      'destination.in-use',
      `The backup folder ${folder} is in use by another Rollkeeper (${holder}).`,
      'Close the other Rollkeeper window or command, or wait for its backup to finish.',
    );
  }
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
