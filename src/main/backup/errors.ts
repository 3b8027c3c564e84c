/**
 * Errors a user can meet during a backup, a status or a verify. Each has a stable `code` under
 * `backup.` and a hint that says what to do. Destination errors (full, read-only …) and device
 * errors (disconnected, locked …) pass through with their own types.
 */
import { RollkeeperError } from '../../shared/errors';

/** The file's size on the phone changed between the listing and the read: nothing was stored. */
export class FileChangedOnPhoneError extends RollkeeperError {
  override name = 'FileChangedOnPhoneError';
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super(
      'backup.file-changed',
      `${path} changed on the iPhone while it was being copied (${detail}). Nothing was stored for it.`,
      'Run the backup again once the iPhone has finished saving or editing the photo.',
    );
  }
}

/** The file was listed but is gone when read (deleted on the phone meanwhile). */
export class FileVanishedOnPhoneError extends RollkeeperError {
  override name = 'FileVanishedOnPhoneError';
  constructor(readonly path: string) {
    super(
      'backup.file-vanished',
      `${path} is no longer on the iPhone (it was deleted or moved after the listing).`,
      'Nothing to do if you deleted it; otherwise run the backup again to pick up its new place.',
    );
  }
}

/** The copy read back from the destination does not have the bytes that were written. */
export class CopyVerifyError extends RollkeeperError {
  override name = 'CopyVerifyError';
  constructor(
    readonly location: string,
    detail: string,
  ) {
    super(
      'backup.verify-failed',
      `The copy at ${location} does not match the iPhone's file: ${detail}`,
      'Run the backup again to copy it anew; if it keeps happening, check the backup drive for errors.',
    );
  }
}

/** The phone stayed away longer than the run was willing to wait. */
export class DeviceGoneTooLongError extends RollkeeperError {
  override name = 'DeviceGoneTooLongError';
  constructor(seconds: number) {
    super(
      'backup.device-gone',
      `The iPhone was disconnected and did not come back within ${seconds} seconds.`,
      'Reconnect the iPhone with the cable, unlock it, and run the backup again: finished files are not copied twice.',
    );
  }
}

/** A DEST argument that names no destination Rollkeeper can use. */
export class UnknownDestinationError extends RollkeeperError {
  override name = 'UnknownDestinationError';
  constructor(readonly dest: string) {
    super(
      'backup.unknown-destination',
      `"${dest}" is not a backup destination Rollkeeper knows.`,
      'Give the path of a folder (an external drive, a NAS mount). S3 and Jottacloud are not available yet.',
    );
  }
}

/** The run was cancelled (Ctrl-C, the Cancel button). */
export class BackupCancelledError extends RollkeeperError {
  override name = 'BackupCancelledError';
  constructor() {
    super('backup.cancelled', 'The backup was cancelled.', 'Start it again at any time: finished files are kept.');
  }
}

/** No phone ready to back up (none attached, locked, not trusted), or several and none chosen. */
export class NoPhoneReadyError extends RollkeeperError {
  override name = 'NoPhoneReadyError';
  constructor(detail: string, hint = 'Connect the iPhone with a cable, unlock it and tap "Trust" if it asks.') {
    super('backup.no-phone', detail, hint);
  }
}
