/**
 * Re-hash a stored copy and compare it with what the index says: the only way to notice a file
 * altered, truncated or deleted behind the app's back (bit rot on a NAS, a user's editor, a
 * sync tool). Works on any Destination, since it only uses `openRead`.
 */
import { hashStream } from './content-hasher';
import type { Destination, IndexEntry, StoredDigest } from './destination';
import { LocationNotFoundError } from './errors';

export type VerifyOutcome =
  | { status: 'ok'; location: string }
  | { status: 'missing'; location: string }
  | {
      status: 'altered';
      location: string;
      expected: { size: number; sha256: string };
      actual: { size: number; sha256: string };
    };

/** Read the copy at `entry.location` in full and compare size and SHA-256 with the entry. */
export async function verifyStoredCopy(
  destination: Destination,
  entry: Pick<IndexEntry, 'location' | 'size' | 'hashes'>,
  options: { signal?: AbortSignal } = {},
): Promise<VerifyOutcome> {
  const actual = await measureStoredCopy(destination, entry.location, options.signal);
  if (!actual) return { status: 'missing', location: entry.location };
  if (actual.size === entry.size && actual.sha256 === entry.hashes.sha256) {
    return { status: 'ok', location: entry.location };
  }
  return {
    status: 'altered',
    location: entry.location,
    expected: { size: entry.size, sha256: entry.hashes.sha256 },
    actual,
  };
}

/**
 * The copy's size and SHA-256 as stored now, read back from the destination, or null when it is
 * gone: the only proof a copy is good (a size alone proves nothing: a disk that lost a block, a
 * NAS that cached a write it never made). A destination that can measure its copy itself (off
 * the main thread) does.
 */
export async function measureStoredCopy(
  destination: Destination,
  location: string,
  signal?: AbortSignal,
): Promise<StoredDigest | null> {
  if (destination.measureStored) return destination.measureStored(location, { signal });
  let body: AsyncIterable<Uint8Array>;
  try {
    body = await destination.openRead(location, { signal });
  } catch (error) {
    if (error instanceof LocationNotFoundError) return null;
    throw error;
  }
  const { size, hashes } = await hashStream(body, signal);
  return { size, sha256: hashes.sha256 };
}
