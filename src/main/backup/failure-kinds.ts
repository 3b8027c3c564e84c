/** How the pipeline tells the faults apart: wait for the phone, stop the run, or fail one file. */
import {
  DestinationFullError,
  DestinationInUseError,
  DestinationIoError,
  DestinationReadOnlyError,
  DestinationUnavailableError,
} from '../destinations/errors';
import { AfcError, AfcInvalidPathError } from '../device/afc/errors';
import { DeviceError } from '../device/errors';

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
