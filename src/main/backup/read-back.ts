/**
 * Reading a stored copy back and hashing it: the only proof a copy is good. A size alone proves
 * nothing (a disk that lost a block, a NAS that cached a write it never made). SHA-256 only:
 * the backup compares with the SHA-256 it measured while writing.
 */
import { createHash } from 'node:crypto';
import type { Destination, StoredLocation } from '../destinations/destination';
import { LocationNotFoundError } from '../destinations/errors';

export interface ReadBack {
  size: number;
  sha256: string;
}

/** The copy's size and SHA-256 as read from the destination now, or null when it is not there. */
export async function readBack(
  destination: Destination,
  location: StoredLocation,
  signal?: AbortSignal,
): Promise<ReadBack | null> {
  // A destination that can measure its copy itself (off the main thread) does.
  if (destination.measureStored) return destination.measureStored(location, { signal });
  let body: AsyncIterable<Uint8Array>;
  try {
    body = await destination.openRead(location, { signal });
  } catch (error) {
    if (error instanceof LocationNotFoundError) return null;
    throw error;
  }
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of body) {
    signal?.throwIfAborted();
    hash.update(chunk);
    size += chunk.byteLength;
  }
  return { size, sha256: hash.digest('hex') };
}
