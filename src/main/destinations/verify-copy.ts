/**
 * Re-hash a stored copy and compare it with what the index says: the only way to notice a file
 * altered, truncated or deleted behind the app's back (bit rot on a NAS, a user's editor, a
 * sync tool). Works on any Destination, since it only uses `openRead`.
 */
import { hashStream } from './content-hasher';
import type { Destination, IndexEntry } from './destination';
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
  let body: AsyncIterable<Uint8Array>;
  try {
    body = await destination.openRead(entry.location, options);
  } catch (error) {
    if (error instanceof LocationNotFoundError) return { status: 'missing', location: entry.location };
    throw error;
  }
  const actual = await hashStream(body, options.signal);
  if (actual.size === entry.size && actual.hashes.sha256 === entry.hashes.sha256) {
    return { status: 'ok', location: entry.location };
  }
  return {
    status: 'altered',
    location: entry.location,
    expected: { size: entry.size, sha256: entry.hashes.sha256 },
    actual: { size: actual.size, sha256: actual.hashes.sha256 },
  };
}
