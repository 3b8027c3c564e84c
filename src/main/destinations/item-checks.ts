/** Checks every destination applies to a `PutItem` and to the bytes it received. */
import { isMd5, isSha256 } from './content-hasher';
import type { ContentHashes, PutItem } from './destination';
import { ContentMismatchError } from './errors';

/** Refuse an item no honest caller makes (a programming error, hence RangeError). */
export function validatePutItem(item: PutItem): void {
  if (!Number.isSafeInteger(item.size) || item.size < 0) throw new RangeError(`put: invalid size ${item.size}`);
  if (item.hashes?.sha256 !== undefined && !isSha256(item.hashes.sha256)) {
    throw new RangeError('put: sha256 must be 64 lowercase hex digits');
  }
  if (item.hashes?.md5 !== undefined && !isMd5(item.hashes.md5)) {
    throw new RangeError('put: md5 must be 32 lowercase hex digits');
  }
}

/** Throw ContentMismatchError if a hash known before the write differs from the one measured. */
export function checkExpectedHashes(item: PutItem, actual: ContentHashes): void {
  const expected = item.hashes ?? {};
  if (expected.sha256 && expected.sha256 !== actual.sha256) {
    throw new ContentMismatchError(item.fileName, 'sha256', expected.sha256, actual.sha256);
  }
  // A destination measures MD5 whenever the item brings one (see LocalDestination.put).
  if (expected.md5 && expected.md5 !== actual.md5) {
    throw new ContentMismatchError(item.fileName, 'md5', expected.md5, actual.md5 ?? 'not measured');
  }
}
