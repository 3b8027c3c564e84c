/**
 * SHA-256 and MD5 of a stream in one pass. SHA-256 is the identity the catalog and dedupe trust;
 * MD5 is what Jottacloud dedupes and checks by (and S3's Content-MD5), so every destination gets
 * both without a second read of the phone.
 */
import { createHash, type Hash } from 'node:crypto';
import type { ContentHashes } from './destination';

export class ContentHasher {
  private readonly sha256: Hash = createHash('sha256');
  private readonly md5: Hash = createHash('md5');
  private bytes = 0;

  update(chunk: Uint8Array): void {
    this.sha256.update(chunk);
    this.md5.update(chunk);
    this.bytes += chunk.byteLength;
  }

  get size(): number {
    return this.bytes;
  }

  /** The final hashes; the hasher cannot be used afterwards. */
  digest(): ContentHashes {
    return { sha256: this.sha256.digest('hex'), md5: this.md5.digest('hex') };
  }
}

/** Hash a whole stream (for verification); honours `signal` between chunks. */
export async function hashStream(
  body: AsyncIterable<Uint8Array>,
  signal?: AbortSignal,
): Promise<{ size: number; hashes: ContentHashes }> {
  const hasher = new ContentHasher();
  for await (const chunk of body) {
    signal?.throwIfAborted();
    hasher.update(chunk);
  }
  return { size: hasher.size, hashes: hasher.digest() };
}

const SHA256_HEX = /^[0-9a-f]{64}$/;
const MD5_HEX = /^[0-9a-f]{32}$/;

/** True for a lowercase hex SHA-256 / MD5 digest. */
export function isSha256(value: string): boolean {
  return SHA256_HEX.test(value);
}
export function isMd5(value: string): boolean {
  return MD5_HEX.test(value);
}
