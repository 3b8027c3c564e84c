import { RollkeeperError } from '../../shared/errors';

/**
 * Photos.sqlite could not be used: missing, truncated, corrupt, or still locked mid-write. The scan
 * falls back to listing DCIM and says so once; nothing on the phone is touched.
 */
export class LibraryUnreadableError extends RollkeeperError {
  override name = 'LibraryUnreadableError';
  constructor(reason: string, options?: { cause?: unknown }) {
    super(
      'library.unreadable',
      `The iPhone's photo library (Photos.sqlite) cannot be read: ${reason}`,
      'Rollkeeper lists the camera folders (DCIM) instead. Unlock the iPhone, wait for Photos to finish, and scan again for albums, edits and iCloud details.',
      options,
    );
  }
}

/** Photos.sqlite opened but its tables are not a schema this Rollkeeper knows (a newer iOS?). */
export class LibrarySchemaUnknownError extends RollkeeperError {
  override name = 'LibrarySchemaUnknownError';
  constructor(detail: string) {
    super(
      'library.unknown-schema',
      `The iPhone's photo library has a layout Rollkeeper does not know: ${detail}`,
      'Rollkeeper lists the camera folders (DCIM) instead. Update Rollkeeper; if that does not help, report your iOS version.',
    );
  }
}

/** The scan was cancelled (Ctrl-C, the phone went away): the catalog keeps what it had before. */
export class ScanCancelledError extends RollkeeperError {
  override name = 'ScanCancelledError';
  constructor(options?: { cause?: unknown }) {
    super(
      'scan.cancelled',
      'The scan was cancelled.',
      'Nothing was changed in the catalog. Scan again when ready.',
      options,
    );
  }
}
