/**
 * The local-folder destination: the default, a folder the user picks (an external disk or a NAS
 * mount included). Layout and naming: see layout.ts; the index: see index-journal.ts.
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
import { GroupCommitter } from './group-commit';
import { acquireFolderLock } from './folder-lock';
import { assertFolderPresent, META_FOLDER, readMarker, writeMarker } from './folder-marker';
import { errnoOf, toDestinationError } from './fs-errors';
import { IndexJournal, readJournal, type JournalReadResult, type LocalIndexEntry } from './index-journal';
import { systemOffset, type DefaultOffset } from './layout';
import { nodeFs, type LocalFs } from './local-fs';
import { LocalIndex } from './local-index';
import { NamePlanner } from './name-planner';
import { locationPath, settlePendingIntents } from './recovery';
import { SerialQueue } from './serial-queue';
import { destroyBody, writeTempFile } from './temp-file-writer';
import { moveToTrash } from './trash';
import { walkFiles } from './walk-files';

export { META_FOLDER };

const JOURNAL_FILE = 'index.jsonl';
const LOCK_FILE = 'lock';
const TEMP_FOLDER = 'tmp';

export interface LocalDestinationOptions {
  /**
   * The catalog knows this folder held a Rollkeeper backup before. Then a folder without one is
   * refused (DestinationUnavailableError) instead of started afresh: an unmounted NAS share or
   * a missing drive letter often shows as an empty folder.
   */
  expectExisting?: boolean;
  /** Open for reading and verifying only: no lock, no clean-up, `put`/`remove` refused. */
  readOnly?: boolean;
  /** File-system layer; tests inject faults through it. */
  fs?: LocalFs;
  /** Zone to assume for capture times without an offset; defaults to this computer's zone. */
  defaultOffset?: DefaultOffset;
  /** Compact the journal on open when it holds this many more records than live entries. */
  compactionSlack?: number;
  /**
   * Measure and index MD5 as well as SHA-256 for every file written (default false: no local use
   * needs it, and it costs more CPU than SHA-256). For a folder that feeds a destination which
   * checks by MD5 (Jottacloud, S3's Content-MD5). An item that brings a known MD5 is always checked.
   */
  md5?: boolean;
}

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

  private constructor(
    readonly root: string,
    /** The id in the folder's marker: lets the catalog recognise this folder after a move. */
    readonly id: string,
    private readonly fs: LocalFs,
    private readonly index: LocalIndex,
    private readonly journal: IndexJournal | null,
    private readonly releaseLock: (() => Promise<void>) | null,
    defaultOffset: DefaultOffset,
    private readonly measureMd5: boolean,
  ) {
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
    const fs = options.fs ?? nodeFs;
    const absoluteRoot = path.resolve(root);
    await assertFolderPresent(fs, absoluteRoot);
    const meta = path.join(absoluteRoot, META_FOLDER);
    const offset = options.defaultOffset ?? systemOffset;
    const md5 = options.md5 ?? false;
    try {
      let id = await readMarker(fs, absoluteRoot);
      if (id === null) {
        if (options.expectExisting) {
          throw new DestinationUnavailableError(
            absoluteRoot,
            'it holds no Rollkeeper backup. If it is on a network share or an external drive, it may not be mounted.',
          );
        }
        // Read-only and never used: an empty destination, without writing a marker.
        if (options.readOnly)
          return new LocalDestination(absoluteRoot, '', fs, new LocalIndex(), null, null, offset, md5);
        id = await writeMarker(fs, absoluteRoot);
      }
      const index = new LocalIndex();
      const journalPath = path.join(meta, JOURNAL_FILE);
      if (options.readOnly) {
        await readJournal(fs, journalPath, (record) => index.apply(record));
        index.pending.clear();
        return new LocalDestination(absoluteRoot, id, fs, index, null, null, offset, md5);
      }
      const release = await acquireFolderLock(fs, path.join(meta, LOCK_FILE), absoluteRoot);
      let journal: IndexJournal | undefined;
      try {
        // Temp files are never referenced by the journal: whatever a crash left there is garbage.
        await fs.rm(path.join(meta, TEMP_FOLDER), { recursive: true, force: true });
        await fs.mkdir(path.join(meta, TEMP_FOLDER), { recursive: true });
        const read = await readJournal(fs, journalPath, (record) => index.apply(record));
        journal = await IndexJournal.open(fs, journalPath, read);
        const destination = new LocalDestination(absoluteRoot, id, fs, index, journal, release, offset, md5);
        await settlePendingIntents(fs, absoluteRoot, index, journal);
        await destination.compactIfWorthIt(read, options.compactionSlack ?? 1000);
        return destination;
      } catch (error) {
        await journal?.close().catch(() => undefined);
        await release();
        throw error;
      }
    } catch (error) {
      throw toDestinationError(error, absoluteRoot);
    }
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
    const tempPath = path.join(this.root, META_FOLDER, TEMP_FOLDER, `${randomUUID()}.part`);
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
    const tempPath = path.join(this.root, META_FOLDER, TEMP_FOLDER, `index-${randomUUID()}.jsonl`);
    await this.writeQueue.run(() => this.journal!.compact(this.index.entries.values(), tempPath));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writeQueue.run(async () => {
      await this.journal?.close();
      await this.releaseLock?.();
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
    const bytesFree = code === 'ENOSPC' || code === 'EDQUOT' ? await this.freeSpace().catch(() => null) : null;
    return toDestinationError(error, this.root, { bytesNeeded, bytesFree });
  }

  private absoluteOf(location: StoredLocation): string | null {
    return locationPath(this.root, location);
  }

  private assertWritable(): void {
    if (this.closed) throw new DestinationIoError(this.root, 'the destination was closed.');
    if (!this.journal) throw new DestinationReadOnlyError(this.root);
  }

  // ── opening ──────────────────────────────────────────────────────────────────────────────

  /**
   * A healthy journal holds about two records per file (intent + commit) or one after a
   * compaction; removals, abandoned intents and references add more. Compact when the excess
   * passes `slack`, or when damaged lines should be rewritten away.
   */
  private async compactIfWorthIt(read: JournalReadResult, slack: number): Promise<void> {
    if (read.damagedLines > 0) {
      // Keep the damaged journal beside the new one: its unreadable lines may still help a
      // person (or a later tool) re-attach files that findStrays reports as unindexed.
      const journal = this.journal!.file;
      await this.fs.rename(journal, `${journal}.damaged-${Date.now()}`);
      await this.compact();
    } else if (read.records - 2 * this.index.entries.size > slack) {
      await this.compact();
    }
  }
}

// ── helpers ────────────────────────────────────────────────────────────────────────────────

function publicEntry(entry: LocalIndexEntry): IndexEntry {
  const { stem: _stem, alsoReferencedBy, ...rest } = entry;
  return alsoReferencedBy ? { ...rest, alsoReferencedBy: [...alsoReferencedBy] } : rest;
}
