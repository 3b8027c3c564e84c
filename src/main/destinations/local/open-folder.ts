/**
 * Opening a local backup folder: check it is there (and is the backup the catalog expects),
 * take its lock, throw away temp files a crash left, rebuild the index from the journal, settle
 * writes a crash interrupted, and compact the journal when it has grown or was damaged.
 * What `LocalDestination.open` does before the destination can be used.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { DestinationUnavailableError } from '../errors';
import { acquireFolderLock, type FolderLock, type FolderLockOptions } from './folder-lock';
import { assertFolderPresent, META_FOLDER, readMarker, writeMarker } from './folder-marker';
import { toDestinationError } from './fs-errors';
import { IndexJournal, readJournal, type JournalReadResult } from './index-journal';
import type { DefaultOffset } from './layout';
import { nodeFs, type LocalFs } from './local-fs';
import { LocalIndex } from './local-index';
import { settlePendingIntents } from './recovery';

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
  /**
   * The lock's lease: how long a silent holder (a crashed laptop on the same NAS share) keeps
   * the folder, and how often the holder refreshes it. The defaults (5 min, 30 s) suit a NAS.
   */
  lock?: Pick<FolderLockOptions, 'leaseMs' | 'heartbeatMs'>;
  /** Told of events a person may want to know that are not errors, e.g. a lock taken over. */
  onNotice?: (message: string) => void;
}

/** A backup folder ready to use. `journal` and `lock` are null when opened read-only. */
export interface OpenedFolder {
  root: string;
  /** The id in the folder's marker ('' for a read-only open of a folder that never held a backup). */
  id: string;
  fs: LocalFs;
  index: LocalIndex;
  journal: IndexJournal | null;
  lock: FolderLock | null;
}

/** Where a write streams its bytes before they are renamed into place. */
export function tempFolderOf(root: string): string {
  return path.join(root, META_FOLDER, TEMP_FOLDER);
}

/** Open (and on first use, initialise) the backup folder `root`, settling any crashed write. */
export async function openFolder(root: string, options: LocalDestinationOptions): Promise<OpenedFolder> {
  const fs = options.fs ?? nodeFs;
  const absoluteRoot = path.resolve(root);
  await assertFolderPresent(fs, absoluteRoot);
  const meta = path.join(absoluteRoot, META_FOLDER);
  const opened = { root: absoluteRoot, fs, index: new LocalIndex(), journal: null, lock: null };
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
      if (options.readOnly) return { ...opened, id: '' };
      id = await writeMarker(fs, absoluteRoot);
    }
    const { index } = opened;
    const journalPath = path.join(meta, JOURNAL_FILE);
    if (options.readOnly) {
      await readJournal(fs, journalPath, (record) => index.apply(record));
      index.pending.clear();
      return { ...opened, id };
    }
    const lock = await acquireFolderLock(fs, path.join(meta, LOCK_FILE), absoluteRoot, {
      ...options.lock,
      onNotice: options.onNotice,
    });
    let journal: IndexJournal | undefined;
    try {
      // Temp files are never referenced by the journal: whatever a crash left there is garbage.
      await fs.rm(tempFolderOf(absoluteRoot), { recursive: true, force: true });
      await fs.mkdir(tempFolderOf(absoluteRoot), { recursive: true });
      const read = await readJournal(fs, journalPath, (record) => index.apply(record));
      journal = await IndexJournal.open(fs, journalPath, read);
      await settlePendingIntents(fs, absoluteRoot, index, journal);
      await compactIfWorthIt(fs, absoluteRoot, index, journal, read, options.compactionSlack ?? 1000);
      return { ...opened, id, journal, lock };
    } catch (error) {
      await journal?.close().catch(() => undefined);
      await lock.release();
      throw error;
    }
  } catch (error) {
    throw toDestinationError(error, absoluteRoot);
  }
}

/** Rewrite the journal as one line per stored file (through a temp file: see IndexJournal.compact). */
export function compactJournal(root: string, index: LocalIndex, journal: IndexJournal): Promise<void> {
  return journal.compact(index.entries.values(), path.join(tempFolderOf(root), `index-${randomUUID()}.jsonl`));
}

/**
 * A healthy journal holds about two records per file (intent + commit) or one after a
 * compaction; removals, abandoned intents and references add more. Compact when the excess
 * passes `slack`, or when damaged lines should be rewritten away.
 */
async function compactIfWorthIt(
  fs: LocalFs,
  root: string,
  index: LocalIndex,
  journal: IndexJournal,
  read: JournalReadResult,
  slack: number,
): Promise<void> {
  if (read.damagedLines > 0) {
    // Keep the damaged journal beside the new one: its unreadable lines may still help a
    // person (or a later tool) re-attach files that findStrays reports as unindexed.
    await fs.rename(journal.file, `${journal.file}.damaged-${Date.now()}`);
    await compactJournal(root, index, journal);
  } else if (read.records - 2 * index.entries.size > slack) {
    await compactJournal(root, index, journal);
  }
}
