/**
 * Turn a Node file-system error into the typed destination error a user can act on.
 * The errno sets come from what disks, USB drives and NAS mounts actually return: ENOSPC and
 * EDQUOT for full, EROFS/EACCES/EPERM for refused writes, ENOENT on the root, ENOTCONN (FUSE),
 * ESTALE (NFS), EHOSTDOWN/ETIMEDOUT/EIO (SMB, a yanked cable) for a vanished mount.
 */
import { RollkeeperError } from '../../../shared/errors';
import {
  DestinationFullError,
  DestinationIoError,
  DestinationReadOnlyError,
  DestinationUnavailableError,
} from '../errors';

const FULL = new Set(['ENOSPC', 'EDQUOT']);
const READ_ONLY = new Set(['EROFS', 'EACCES', 'EPERM']);
const GONE = new Set(['ENOTCONN', 'ESTALE', 'EHOSTDOWN', 'EHOSTUNREACH', 'ETIMEDOUT', 'EIO', 'ENODEV', 'ENXIO']);

export function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/** Map `error` to a typed destination error; RollkeeperErrors and aborts pass through unchanged. */
export function toDestinationError(
  error: unknown,
  root: string,
  space: { bytesNeeded: number; bytesFree: number | null } = { bytesNeeded: 0, bytesFree: null },
): Error {
  if (error instanceof RollkeeperError) return error;
  if (error instanceof Error && error.name === 'AbortError') return error;
  const code = errnoOf(error);
  if (code && FULL.has(code))
    return new DestinationFullError(root, space.bytesNeeded, space.bytesFree, { cause: error });
  if (code && READ_ONLY.has(code)) return new DestinationReadOnlyError(root, { cause: error });
  if (code && GONE.has(code)) {
    return new DestinationUnavailableError(root, `the drive or share stopped answering (${code}).`, { cause: error });
  }
  const detail = error instanceof Error ? error.message : String(error);
  return new DestinationIoError(root, detail, { cause: error });
}
