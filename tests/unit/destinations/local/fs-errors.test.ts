import { describe, expect, it } from 'vitest';
import {
  DestinationFullError,
  DestinationIoError,
  DestinationReadOnlyError,
  DestinationUnavailableError,
} from '../../../../src/main/destinations/errors';
import { toDestinationError } from '../../../../src/main/destinations/local/fs-errors';
import { errno } from './helpers';

describe('file-system errors as destination errors', () => {
  it.each([
    ['ENOSPC', DestinationFullError, 'destination.full'],
    ['EDQUOT', DestinationFullError, 'destination.full'],
    ['EROFS', DestinationReadOnlyError, 'destination.read-only'],
    ['EACCES', DestinationReadOnlyError, 'destination.read-only'],
    ['EPERM', DestinationReadOnlyError, 'destination.read-only'],
    ['ENOTCONN', DestinationUnavailableError, 'destination.unavailable'],
    ['ESTALE', DestinationUnavailableError, 'destination.unavailable'],
    ['EIO', DestinationUnavailableError, 'destination.unavailable'],
    ['EMFILE', DestinationIoError, 'destination.io'],
  ])('%s → %o', (code, type, stableCode) => {
    const error = toDestinationError(errno(code), '/Volumes/NAS/Photos', {
      bytesNeeded: 5 * 1024 ** 3,
      bytesFree: 1024,
    });
    expect(error).toBeInstanceOf(type);
    expect((error as DestinationIoError).code).toBe(stableCode);
    expect(error.message).toContain('/Volumes/NAS/Photos');
    expect((error as DestinationIoError).hint).not.toBe('');
    expect((error as DestinationIoError).toJSON().code).toBe(stableCode);
  });

  it('says how much was needed and how much is free', () => {
    const error = toDestinationError(errno('ENOSPC'), '/backup', { bytesNeeded: 5 * 1024 ** 3, bytesFree: 1536 });
    expect(error.message).toBe('Not enough space in /backup: 5.0 GiB needed, 1.5 KiB free.');
  });

  it('passes aborts through untouched', () => {
    const abort = new DOMException('stopped', 'AbortError');
    expect(toDestinationError(abort, '/backup')).toBe(abort);
  });
});
