/**
 * The local-folder destination: the default, a folder the user picks (an external disk or a NAS
 * mount included). Layout and naming: see layout.ts; the index: see index-journal.ts; opening,
 * the lock and crash recovery: see open-folder.ts.
 *
 * A write: stream into `.rollkeeper/tmp/<uuid>.part` while hashing → fsync → compare size and any
 * known hashes → (under the write lock, together with the other writes ready at that moment:
 * group-commit.ts) dedupe by SHA-256, choose the name, journal the intent (fsync) → rename into
 * place → fsync the folder → journal the commit. No partial file ever sits at a final path; a
 * crash at any point is settled on the next open.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type {
  ContentHashes,
  Destination,
  DestinationCapabilities,
  IndexEntry,
  PutItem,
  PutOptions,
  PutResult,
  RemoveOptions,
  StoredDigest,
  StoredLocation,
  StoredObjectInfo,
} from '../destination';
import { hashStream } from '../content-hasher';
import {
  DestinationFullError,
  DestinationIoError,
  DestinationReadOnlyError,
  DestinationUnavailableError,
  LocationNotFoundError,
} from '../errors';
import { checkExpectedHashes, validatePutItem } from '../item-checks';
import { verifyStoredCopy, type VerifyOutcome } from '../verify-copy';
import { DiskNames } from './disk-names';
import type { FolderLock } from './folder-lock';
import { assertFolderPresent, META_FOLDER, readMarker } from './folder-marker';
import { errnoOf, toDestinationError } from './fs-errors';
import { GroupCommitter } from './group-commit';
import type { IndexJournal, LocalIndexEntry } from './index-journal';
import { systemOffset, type DefaultOffset } from './layout';
import type { LocalFs } from './local-fs';
import type { LocalIndex } from './local-index';
import { NamePlanner } from './name-planner';
import {
  compactJournal,
  openFolder,
  tempFolderOf,
  type LocalDestinationOptions,
  type OpenedFolder,
} from './open-folder';
import { locationPath } from './recovery';
import { SerialQueue } from './serial-queue';
import { destroyBody, writeTempFile } from './temp-file-writer';
import { moveToTrash } from './trash';
import { walkFiles } from './walk-files';

export { META_FOLDER };
export type { LocalDestinationOptions };

/** What `findStrays` reports: files with no index entry, and entries with no file. */
export interface StrayReport {
  unindexedFiles: StoredLocation[];
  missingFiles: StoredLocation[];
}

export class LocalDestination implements Destination {
  readonly kind = 'local';
  readonly capabilities: DestinationCapabilities;

  private readonly writeQueue = new SerialQueue();
  private readonly diskNames: DiskNames;
  private readonly planner: NamePlanner;
  private readonly committer: GroupCommitter | null;
  private closed = false;

  readonly root: string;
  /** The id in the folder's marker: lets the catalog recognise this folder after a move. */
  readonly id: string;
  private readonly fs: LocalFs;
  private readonly index: LocalIndex;
  private readonly journal: IndexJournal | null;
  private readonly lock: FolderLock | null;

  private constructor(
    folder: OpenedFolder,
    defaultOffset: DefaultOffset,
    private readonly measureMd5: boolean,
  ) {
    const { root, id, fs, index, journal, lock } = folder;
    this.root = root;
    this.id = id;
    this.fs = fs;
    this.index = index;
    this.journal = journal;
    this.lock = lock;
    this.capabilities = {
      hashesNeededBeforeWrite: [],
      hashesMeasured: measureMd5 ? ['sha256', 'md5'] : ['sha256'],
      hasTrash: true,
      // We always name as if the folder were case-insensitive: it may be (macOS, Windows, SMB),
      // or be copied to one later.
      caseInsensitive: true,
      knowsFreeSpace: true,
    };
    this.diskNames = new DiskNames(fs, root);
    this.planner = new NamePlanner(fs, root, index, this.diskNames, defaultOffset);
    this.committer = journal
      ? new GroupCommitter({
          fs,
          queue: this.writeQueue,
          journal,
          index,
          planner: this.planner,
          diskNames: this.diskNames,
          deduplicated: (existing, item) => this.deduplicated(existing, item),
        })
      : null;
  }

  get description(): string {
    return this.root;
  }

  /** Open (and on first use, initialise) the backup folder `root`, settling any crashed write. */
  static async open(root: string, options: LocalDestinationOptions = {}): Promise<LocalDestination> {
    const folder = await openFolder(root, options);
    return new LocalDestination(folder, options.defaultOffset ?? systemOffset, options.md5 ?? false);
  }

  async put(item: PutItem, body: AsyncIterable<Uint8Array>, options: PutOptions = {}): Promise<PutResult> {
    const known = item.hashes?.sha256 ? this.index.findBySha256(item.hashes.sha256) : null;
    try {
      this.assertWritable();
      validatePutItem(item);
      if (!known) await this.ensureSpaceFor(item.size);
    } catch (error) {
      destroyBody(body);
      throw error;
    }
    if (known) {
      // The body is never read: stop the phone stream instead of leaving it hanging.
      destroyBody(body);
      return this.deduplicated(known, item);
    }
    const tempPath = path.join(tempFolderOf(this.root), `${randomUUID()}.part`);
    try {
      const hashes = await writeTempFile(this.fs, tempPath, body, {
        size: item.size,
        what: item.fileName,
        md5: this.measureMd5 || item.hashes?.md5 !== undefined,
        signal: options.signal,
        onProgress: options.onProgress,
      });
      try {
        checkExpectedHashes(item, hashes);
        if (item.modifiedMs !== undefined) {
          const mtime = new Date(item.modifiedMs);
          // Best effort: some SMB servers refuse utimes; the index keeps the time anyway.
          await this.fs.utimes(tempPath, mtime, mtime).catch(() => undefined);
        }
        options.signal?.throwIfAborted();
        return await this.committer!.commit({ item, tempPath, hashes });
      } catch (error) {
        await this.fs.unlink(tempPath).catch(() => undefined);
        throw error;
      }
    } catch (error) {
      // An abort surfaces as the caller's own reason, whatever it is, as AbortSignal users expect.
      if (options.signal?.aborted && error === options.signal.reason) throw error;
      throw await this.asWriteError(error, item.size);
    }
  }

  async stat(location: StoredLocation): Promise<StoredObjectInfo | null> {
    const absolute = this.absoluteOf(location);
    if (!absolute) return null;
    try {
      const stats = await this.fs.lstat(absolute);
      if (!stats.isFile()) return null;
      const entry = this.index.entries.get(location);
      return { location, size: stats.size, modifiedMs: stats.mtimeMs, entry: entry ? publicEntry(entry) : null };
    } catch (error) {
      if (errnoOf(error) === 'ENOENT' || errnoOf(error) === 'ENOTDIR') return null;
      throw toDestinationError(error, this.root);
    }
  }

  async findByHash(hashes: Partial<ContentHashes>): Promise<IndexEntry | null> {
    const entry =
      (hashes.sha256 ? this.index.findBySha256(hashes.sha256) : null) ??
      (hashes.md5 ? this.index.findByMd5(hashes.md5) : null);
    return entry ? publicEntry(entry) : null;
  }

  async *list(options: { signal?: AbortSignal } = {}): AsyncIterable<IndexEntry> {
    for (const entry of [...this.index.entries.values()]) {
      options.signal?.throwIfAborted();
      yield publicEntry(entry);
    }
  }

  async openRead(location: StoredLocation, options: { signal?: AbortSignal } = {}): Promise<AsyncIterable<Uint8Array>> {
    const absolute = this.absoluteOf(location);
    if (!absolute) throw new LocationNotFoundError(location);
    try {
      return await this.fs.openForRead(absolute, options.signal);
    } catch (error) {
      const code = errnoOf(error);
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') throw new LocationNotFoundError(location);
      throw toDestinationError(error, this.root);
    }
  }

  async measureStored(location: StoredLocation, options: { signal?: AbortSignal } = {}): Promise<StoredDigest | null> {
    const absolute = this.absoluteOf(location);
    if (!absolute) return null;
    try {
      if (this.fs.hashFile) return await this.fs.hashFile(absolute, options.signal);
      const { size, hashes } = await hashStream(await this.fs.openForRead(absolute, options.signal), options.signal);
      return { size, sha256: hashes.sha256 };
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      const code = errnoOf(error);
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return null;
      throw toDestinationError(error, this.root);
    }
  }

  async remove(location: StoredLocation, options: RemoveOptions): Promise<void> {
    this.assertWritable();
    const absolute = this.absoluteOf(location);
    if (!absolute) throw new LocationNotFoundError(location);
    try {
      await this.writeQueue.run(async () => {
        const entry = this.index.entries.get(location);
        const stats = await this.fs.lstat(absolute).catch((error: unknown) => {
          if (errnoOf(error) === 'ENOENT' || errnoOf(error) === 'ENOTDIR') return null;
          throw error;
        });
        const isFile = stats?.isFile() ?? false;
        if (!entry && !isFile) throw new LocationNotFoundError(location);
        // Journal first: a crash after it leaves an unindexed file (found by findStrays), never
        // an index entry for bytes that are gone.
        if (entry) {
          await this.journal!.append([{ op: 'remove', location }], true);
          this.index.delete(location);
        }
        if (isFile) {
          if (options.toTrash)
            await moveToTrash(this.fs, this.root, path.join(this.root, META_FOLDER, 'trash'), location);
          else await this.fs.unlink(absolute);
          this.diskNames.forget(location);
        }
      });
    } catch (error) {
      throw toDestinationError(error, this.root);
    }
  }

  async freeSpace(): Promise<number | null> {
    try {
      const stats = await this.fs.statfs(this.root);
      return stats.bavail * stats.bsize;
    } catch (error) {
      throw toDestinationError(error, this.root);
    }
  }

  /** Re-hash the copy at `location` and compare it with the index: finds files altered behind our back. */
  async verify(location: StoredLocation, options: { signal?: AbortSignal } = {}): Promise<VerifyOutcome> {
    const entry = this.index.entries.get(location);
    if (!entry) throw new LocationNotFoundError(location);
    try {
      return await verifyStoredCopy(this, entry, options);
    } catch (error) {
      throw toDestinationError(error, this.root);
    }
  }

  /**
   * Walk the folder (outside `.rollkeeper`) for files the index does not know (copied in by
   * hand, or a remove interrupted after its journal line) and index entries with no file.
   * A full walk: slow on a large NAS share, so it is an explicit action, not part of `open`.
   */
  async findStrays(options: { signal?: AbortSignal } = {}): Promise<StrayReport> {
    const seen = new Set<string>();
    const unindexedFiles: string[] = [];
    for await (const location of walkFiles(this.fs, this.root, [META_FOLDER], options.signal)) {
      seen.add(location);
      if (!this.index.entries.has(location)) unindexedFiles.push(location);
    }
    const missingFiles = [...this.index.entries.keys()].filter((location) => !seen.has(location));
    return { unindexedFiles, missingFiles };
  }

  /** Rewrite the journal as one line per stored file. */
  async compact(): Promise<void> {
    this.assertWritable();
    await this.writeQueue.run(() => compactJournal(this.root, this.index, this.journal!));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writeQueue.run(async () => {
      await this.journal?.close();
      await this.lock?.release();
    });
  }

  // ── the write's critical section ─────────────────────────────────────────────────────────

  private async deduplicated(existing: LocalIndexEntry, item: PutItem): Promise<PutResult> {
    const sameFile =
      existing.assetId === item.assetId && existing.sourceDevice === item.sourceDevice && existing.role === item.role;
    const alreadyReferenced = existing.alsoReferencedBy?.some(
      (r) => r.assetId === item.assetId && r.sourceDevice === item.sourceDevice && r.role === item.role,
    );
    if (!sameFile && !alreadyReferenced) {
      // Remember who else this content belongs to, so a catalog rebuilt from the index knows
      // that asset is backed up too.
      const ref = {
        assetId: item.assetId,
        sourceDevice: item.sourceDevice,
        role: item.role,
        assetName: item.assetName,
      };
      // Not through writeQueue: the group commit calls this from inside it. The journal orders its own appends.
      await this.journal!.append([{ op: 'ref', location: existing.location, ref }], false);
      this.index.addReference(existing.location, ref);
    }
    return { location: existing.location, deduplicated: true, size: existing.size, hashes: existing.hashes };
  }

  /** Refuse a write up front when the disk cannot hold it, rather than failing half-way. */
  private async ensureSpaceFor(bytes: number): Promise<void> {
    const free = await this.freeSpace().catch(() => null);
    if (free !== null && free < bytes) throw new DestinationFullError(this.root, bytes, free);
  }

  private async asWriteError(error: unknown, bytesNeeded: number): Promise<Error> {
    const code = errnoOf(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      const gone = await this.vanished();
      if (gone) return gone;
    }
    const bytesFree = code === 'ENOSPC' || code === 'EDQUOT' ? await this.freeSpace().catch(() => null) : null;
    return toDestinationError(error, this.root, { bytesNeeded, bytesFree });
  }

  /**
   * Why a write found no file or folder, when the backup itself went away while open: the folder
   * is gone (a drive unplugged), or it is there but holds this backup no more (a network share
   * unmounted leaves its mount point, empty). Null when the folder and its marker are still there.
   */
  private async vanished(): Promise<Error | null> {
    try {
      await assertFolderPresent(this.fs, this.root);
    } catch (error) {
      return error as Error;
    }
    const id = await readMarker(this.fs, this.root).catch(() => null);
    if (id === this.id) return null;
    return new DestinationUnavailableError(
      this.root,
      'the backup in it is not there any more. Was a drive unplugged or a network share unmounted while the backup ran?',
    );
  }

  private absoluteOf(location: StoredLocation): string | null {
    return locationPath(this.root, location);
  }

  private assertWritable(): void {
    if (this.closed) throw new DestinationIoError(this.root, 'the destination was closed.');
    if (!this.journal) throw new DestinationReadOnlyError(this.root);
    this.lock?.assertHeld();
  }
}

// ── helpers ────────────────────────────────────────────────────────────────────────────────

function publicEntry(entry: LocalIndexEntry): IndexEntry {
  const { stem: _stem, alsoReferencedBy, ...rest } = entry;
  return alsoReferencedBy ? { ...rest, alsoReferencedBy: [...alsoReferencedBy] } : rest;
}
