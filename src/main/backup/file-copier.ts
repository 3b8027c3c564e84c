/**
 * One phone file through the pipeline: read from the phone → hash while writing to the
 * destination → read the copy back and hash it → only then `verified` in the catalog.
 *
 * The catalog's copies are keyed by content hash, so:
 * - a file whose hash an earlier run learned gets its copy claimed (`copying`) *before* the
 *   write, and the destination is given the hash to check the bytes against;
 * - a file never hashed is hashed by the destination while it writes; its copy record is made
 *   right after the destination's atomic commit (reconcile.ts covers a crash in between).
 * Files with the same content (a photo saved twice, the same photo on two phones) share one
 * copy: a per-hash lock makes one of them do the writing and verifying, the others find it done.
 *
 * Where a destination needs the MD5 before the first byte (Jottacloud: capabilities
 * `hashesNeededBeforeWrite`), the pipeline cannot learn it without reading the file: it then
 * reads the file once to hash it (a second read from the phone) and streams it again into
 * `put` with both hashes. A local folder needs nothing in advance.
 */
import path from 'node:path';
import type { Catalog } from '../catalog/database';
import { ContentMismatchError } from '../destinations/errors';
import type { ContentHashes, Destination, PutItem, PutResult } from '../destinations/destination';
import { AfcError } from '../device/afc/errors';
import { hashStream } from '../destinations/content-hasher';
import { CopyVerifyError, FileChangedOnPhoneError, FileVanishedOnPhoneError } from './errors';
import type { PhoneFiles } from './phone-files';
import type { PlannedFile } from './plan';
import { measureStoredCopy } from '../destinations/verify-copy';
import { recordCommitted } from './reconcile';

export type CopyOutcome =
  /** New bytes were written, read back and found equal. */
  | { kind: 'copied'; sha256: string; location: string }
  /** The content was already at the destination: nothing new written (verified now or before). */
  | { kind: 'deduplicated'; sha256: string; location: string };

interface CopyHooks {
  onBytes: (bytes: number) => void;
  onPhoneDone: () => void;
}

export interface FileCopierContext {
  catalog: Catalog;
  destination: Destination;
  destinationId: string;
  phone: PhoneFiles;
  runId: number;
}

export class FileCopier {
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(private readonly ctx: FileCopierContext) {}

  /**
   * Backs up one file. Throws typed errors: FileVanishedOnPhoneError, FileChangedOnPhoneError,
   * CopyVerifyError, the destination's (full, read-only …), the device's (disconnected …), or
   * `signal.reason` when aborted. `onPhoneDone` is called once the last byte has come from the
   * phone: the rest (fsync, commit, read-back) no longer needs it.
   */
  async copy(
    file: PlannedFile,
    signal: AbortSignal,
    onBytes: (bytes: number) => void,
    onPhoneDone: () => void = () => undefined,
  ): Promise<CopyOutcome> {
    const hooks = { onBytes, onPhoneDone };
    if (file.sha256) {
      const sha256 = file.sha256;
      return this.locked(sha256, () => this.copyKnown(file, sha256, signal, hooks));
    }
    const put = await this.putFromPhone(file, undefined, signal, hooks);
    const { sha256 } = put.hashes;
    // A retry of this file (after a bad read-back, say) is then a file of known content.
    file.sha256 = sha256;
    return this.locked(sha256, async () => {
      const { catalog, destinationId } = this.ctx;
      // One catalog transaction for the file's hash and its copy record (one WAL append, not three).
      const location = catalog.db.transaction((): string | undefined => {
        catalog.assets.setResourceHash(file.resourceId, sha256);
        if (catalog.copies.get(destinationId, sha256)?.state === 'verified') return undefined;
        recordCommitted(catalog, destinationId, sha256, put.size, put.location);
        return catalog.copies.get(destinationId, sha256)!.location ?? put.location;
      })();
      if (location === undefined) return { kind: 'deduplicated', sha256, location: put.location };
      await this.verify(file, sha256, put.size, location, signal);
      return { kind: put.deduplicated ? 'deduplicated' : 'copied', sha256, location };
    });
  }

  /** A file hashed by an earlier run: maybe already stored; else claimed, then written. */
  private async copyKnown(
    file: PlannedFile,
    sha256: string,
    signal: AbortSignal,
    hooks: CopyHooks,
  ): Promise<CopyOutcome> {
    const { catalog, destination, destinationId } = this.ctx;
    const record = catalog.copies.get(destinationId, sha256);
    if (record?.state === 'verified' && record.location) {
      return { kind: 'deduplicated', sha256, location: record.location };
    }
    const stored =
      record?.state === 'copied' && record.location
        ? record.location
        : (await destination.findByHash({ sha256 }))?.location;
    if (stored) {
      recordCommitted(catalog, destinationId, sha256, file.size, stored);
      try {
        await this.verify(file, sha256, file.size, stored, signal);
        return { kind: 'deduplicated', sha256, location: stored };
      } catch (error) {
        // The stored copy is bad and was set aside by verify(): write a fresh one below.
        if (!(error instanceof CopyVerifyError)) throw error;
      }
    }
    // Claim the copy before writing: a crash now leaves `copying`, which reconcile settles.
    const state = catalog.copies.plan(destinationId, sha256, file.size).state;
    if (state !== 'copying') catalog.copies.transition(destinationId, sha256, 'copying');
    let put: PutResult;
    try {
      put = await this.putFromPhone(file, { sha256 }, signal, hooks);
    } catch (error) {
      catalog.copies.transition(destinationId, sha256, 'failed', { error: messageOf(error) });
      throw error;
    }
    catalog.copies.transition(destinationId, sha256, 'copied', { location: put.location });
    await this.verify(file, sha256, put.size, put.location, signal);
    return { kind: put.deduplicated ? 'deduplicated' : 'copied', sha256, location: put.location };
  }

  /** Streams the phone's file into the destination, turning read faults into typed errors. */
  private async putFromPhone(
    file: PlannedFile,
    hashes: Partial<ContentHashes> | undefined,
    signal: AbortSignal,
    hooks: CopyHooks,
  ): Promise<PutResult> {
    const { destination } = this.ctx;
    const needed = destination.capabilities.hashesNeededBeforeWrite;
    let known = hashes ?? {};
    if (needed.some((name) => !known[name])) {
      // The destination must know these before the first byte: one read just to hash.
      const measured = await this.ctx.phone.read(file.path, file.size, signal, (body) =>
        hashStream(body, signal, { md5: needed.includes('md5') }),
      );
      if (measured.size !== file.size)
        throw new FileChangedOnPhoneError(file.path, `${measured.size} bytes, listed as ${file.size}`);
      known = { ...measured.hashes, ...known };
    }
    const item: PutItem = {
      assetId: file.assetKey,
      sourceDevice: this.ctx.phone.udid,
      captureTime: file.captureTime,
      assetName: file.assetName,
      fileName: path.posix.basename(file.path),
      role: file.role,
      size: file.size,
      hashes: known,
      modifiedMs: file.mtimeMs || undefined,
    };
    let phoneError: unknown;
    try {
      return await this.ctx.phone.read(file.path, file.size, signal, (stream) =>
        destination.put(
          item,
          remember(stream, (error) => (phoneError = error), hooks.onPhoneDone),
          { signal, onProgress: hooks.onBytes },
        ),
      );
    } catch (error) {
      const cause = phoneError ?? error;
      if (signal.aborted) throw signal.reason;
      if (cause instanceof AfcError && cause.isNotFound) throw new FileVanishedOnPhoneError(file.path);
      if (cause instanceof ContentMismatchError) {
        throw new FileChangedOnPhoneError(
          file.path,
          cause.field === 'size'
            ? `listed as ${file.size} bytes, read ${cause.actual}`
            : `its ${cause.field} differs from the last backup's`,
        );
      }
      throw cause;
    }
  }

  /**
   * Reads the copy back and compares it with what was written. A bad copy is set aside (to the
   * destination's trash when it has one) and marked `failed`, so the next attempt writes a new
   * one instead of deduplicating onto it; a missing one is marked `missing`.
   */
  private async verify(
    file: PlannedFile,
    sha256: string,
    size: number,
    location: string,
    signal: AbortSignal,
  ): Promise<void> {
    const { catalog, destination, destinationId } = this.ctx;
    const actual = await measureStoredCopy(destination, location, signal);
    if (actual && actual.size === size && actual.sha256 === sha256) {
      catalog.db.transaction(() => {
        catalog.copies.transition(destinationId, sha256, 'verified');
        catalog.audit.append({
          action: 'copy.verified',
          runId: this.ctx.runId,
          deviceUdid: this.ctx.phone.udid,
          subject: file.path,
          detail: { sha256, destinationId, location, size },
        });
      })();
      return;
    }
    const detail = actual
      ? `read back ${actual.size} bytes with SHA-256 ${actual.sha256.slice(0, 12)}…, expected ${size} bytes with ${sha256.slice(0, 12)}…`
      : 'the copy is gone';
    catalog.copies.transition(destinationId, sha256, actual ? 'failed' : 'missing', { error: detail });
    await destination.remove(location, { toTrash: true }).catch(() => undefined);
    throw new CopyVerifyError(location, detail);
  }

  /** Runs `task` while no other task holds the same content hash. */
  private async locked<T>(sha256: string, task: () => Promise<T>): Promise<T> {
    while (this.locks.has(sha256)) await this.locks.get(sha256)!.catch(() => undefined);
    const running = task();
    this.locks.set(sha256, running);
    try {
      return await running;
    } finally {
      this.locks.delete(sha256);
    }
  }
}

/**
 * Bytes handed to the destination at once. Each piece is a write system call and a thread-pool
 * round trip at the destination. Large reads arrive as one buffer per AFC reply (up to 4 MiB) and
 * pass through as they are; small pieces (a plain or TLS socket delivers 64 KiB at a time) are
 * joined into about 1 MiB, one memory copy that saves most of those calls (bench/backup.ts).
 */
const WRITE_BATCH_BYTES = 1024 * 1024;

/**
 * Passes the phone's bytes through in batches of about WRITE_BATCH_BYTES, noting a read failure
 * (the destination may rewrap it, and the pipeline must tell a pulled cable from a full disk)
 * and the end of the phone's stream.
 *
 * The phone's chunks are recycled (PhoneFiles.read): each is valid only until the next one is
 * asked for. A chunk of WRITE_BATCH_BYTES or more, arriving with no batch pending, passes through
 * with no copy (as does the rest of one that completed a batch, if that big): the destination is
 * done with it before it asks this generator for more, so the contract carries over. Smaller
 * pieces are kept past the source's next `next()` to be batched, so they are copied, into one
 * batch buffer that is itself reused from batch to batch under the same contract.
 */
async function* remember(
  source: AsyncIterable<Uint8Array>,
  onError: (error: unknown) => void,
  onEnd: () => void,
): AsyncIterable<Uint8Array> {
  let batch: Buffer | undefined;
  let pending = 0;
  try {
    for await (const chunk of source) {
      let at = 0;
      while (at < chunk.byteLength) {
        if (pending === 0 && chunk.byteLength - at >= WRITE_BATCH_BYTES) {
          yield at === 0 ? chunk : chunk.subarray(at);
          break;
        }
        batch ??= Buffer.allocUnsafe(WRITE_BATCH_BYTES);
        const n = Math.min(WRITE_BATCH_BYTES - pending, chunk.byteLength - at);
        batch.set(chunk.subarray(at, at + n), pending);
        pending += n;
        at += n;
        if (pending === WRITE_BATCH_BYTES) {
          yield batch;
          pending = 0;
        }
      }
    }
  } catch (error) {
    onError(error);
    throw error;
  }
  onEnd();
  if (pending > 0) yield batch!.subarray(0, pending);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
