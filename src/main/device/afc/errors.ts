/**
 * Typed AFC errors. A STATUS reply with a non-zero code becomes an AfcError whose `status` is the
 * protocol's name for it (`OBJECT_NOT_FOUND`, `NO_RESOURCES`, …) and whose `code` is
 * `afc.<status in kebab-case>`, so the UI and CLI can switch on it. Malformed frames are
 * `ProtocolError` and a dropped connection `DeviceDisconnectedError` (both from ../errors).
 */
import { DeviceError } from '../errors';
import { afcStatusName } from './protocol';

const HINTS: Record<string, string> = {
  OBJECT_NOT_FOUND:
    'The file is no longer on the iPhone (deleted or moved since it was listed). Refresh and try again.',
  READ_ERROR: 'The file is no longer on the iPhone or cannot be read. Refresh and try again.',
  NO_RESOURCES: 'The iPhone has too many files open. Close other apps that read from the iPhone and try again.',
  PERM_DENIED: 'The iPhone does not allow access to this file.',
  OBJECT_IS_DIR: 'This is a folder, not a file.',
  OBJECT_EXISTS: 'Something with this name already exists on the iPhone.',
  NO_SPACE_LEFT: 'The iPhone is full. Free some space on it and try again.',
  OP_NOT_SUPPORTED: 'This iPhone does not support the operation. Update iOS or report it.',
  INVALID_ARG: 'The request was refused as invalid. Please report it.',
};
const DEFAULT_HINT = 'Unplug and reconnect the iPhone, unlock it, and try again.';

/** A STATUS reply with a failure code. */
export class AfcError extends DeviceError {
  override name = 'AfcError';
  constructor(
    /** The numeric AFC status code as sent by the phone. */
    readonly statusCode: bigint,
    /** What was being done, e.g. `FILE_OPEN /DCIM/100APPLE/IMG_0001.HEIC`. */
    readonly operation: string,
  ) {
    const status = afcStatusName(statusCode);
    super(
      `afc.${status.toLowerCase().replaceAll('_', '-')}`,
      `The iPhone answered ${status} to ${operation}.`,
      HINTS[status] ?? DEFAULT_HINT,
    );
  }

  /** The protocol's name for the status, e.g. `OBJECT_NOT_FOUND`. */
  get status(): string {
    return afcStatusName(this.statusCode);
  }

  /**
   * True when the path does not exist. Some phones answer a stat of a missing path with
   * READ_ERROR instead of OBJECT_NOT_FOUND (libimobiledevice and pymobiledevice3 accept both).
   */
  get isNotFound(): boolean {
    return this.statusCode === 8n || this.statusCode === 4n;
  }
}

/** The client was closed by its owner; calls made after that, or pending at that time, get this. */
export class AfcClosedError extends DeviceError {
  override name = 'AfcClosedError';
  constructor() {
    super('afc.closed', 'The connection to the iPhone was closed.', '');
  }
}

/** A path that cannot be sent over AFC (it contains a NUL byte, which would cut it short). */
export class AfcInvalidPathError extends DeviceError {
  override name = 'AfcInvalidPathError';
  constructor(readonly path: string) {
    super(
      'afc.invalid-path',
      `The path ${JSON.stringify(path)} cannot be used on the iPhone (it contains a NUL byte).`,
      'Please report it: a file name with a NUL byte should never reach the iPhone.',
    );
  }
}
