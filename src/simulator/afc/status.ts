/**
 * How the simulated afcd answers failures: the status codes a request gets, from our own checks
 * (StatusReply) or from the host file system (errno → AFC status, as a phone would report them).
 */
import { AfcStatus } from '../../main/device/afc/protocol';
import { PathRefusedError } from './path-jail';

/** A STATUS failure to send back. */
export class StatusReply extends Error {
  constructor(readonly status: bigint) {
    super(`AFC status ${status}`);
  }
}

/** The AFC status for any failure while handling a request. */
export function statusOf(error: unknown): bigint {
  if (error instanceof StatusReply) return error.status;
  if (error instanceof PathRefusedError)
    return error.reason === 'not-found' ? AfcStatus.OBJECT_NOT_FOUND : AfcStatus.PERM_DENIED;
  switch ((error as NodeJS.ErrnoException).code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return AfcStatus.OBJECT_NOT_FOUND;
    case 'EISDIR':
      return AfcStatus.OBJECT_IS_DIR;
    case 'EACCES':
    case 'EPERM':
    case 'ELOOP':
      return AfcStatus.PERM_DENIED;
    case 'EEXIST':
      return AfcStatus.OBJECT_EXISTS;
    case 'ENOSPC':
      return AfcStatus.NO_SPACE_LEFT;
    case 'EMFILE':
    case 'ENFILE':
      return AfcStatus.NO_RESOURCES;
    default:
      return AfcStatus.IO_ERROR;
  }
}
