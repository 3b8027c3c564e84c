/**
 * How the pipeline tells the faults apart: wait for the phone, stop the run, try the file again,
 * or fail one file.
 */
import {
  DestinationFullError,
  DestinationInUseError,
  DestinationIoError,
  DestinationReadOnlyError,
  DestinationUnavailableError,
} from '../destinations/errors';
import { AfcError, AfcInvalidPathError } from '../device/afc/errors';
import { DeviceError } from '../device/errors';
import { CopyVerifyError, FileChangedOnPhoneError } from './errors';

/**
 * A device error that is not the file's own fault: the connection or the phone went away
 * (disconnected, closed, locked, no longer trusted). The file is put back and the run waits.
 */
export function isDeviceGone(error: unknown): boolean {
  return error instanceof DeviceError && !(error instanceof AfcError) && !(error instanceof AfcInvalidPathError);
}

/** The destination cannot take more (full, read-only, gone, in use, failing): the run stops. */
export function isDestinationFatal(error: unknown): boolean {
  return (
    error instanceof DestinationFullError ||
    error instanceof DestinationReadOnlyError ||
    error instanceof DestinationUnavailableError ||
    error instanceof DestinationInUseError ||
    error instanceof DestinationIoError
  );
}

/**
 * The phone answered "no file slots" (AFC NO_RESOURCES): it allows fewer open files than are
 * read at once (this one counted). Not the file's fault: read fewer at a time and try it again.
 */
export function isOutOfFileSlots(error: unknown): boolean {
  return error instanceof AfcError && error.status === 'NO_RESOURCES';
}

/**
 * A file's fault that another attempt may not meet: the file changed on the phone mid-read (the
 * listing may just be stale), its read-back did not match, or the phone was out of file slots.
 */
export function isRetriable(error: unknown): boolean {
  return error instanceof FileChangedOnPhoneError || error instanceof CopyVerifyError || isOutOfFileSlots(error);
}
