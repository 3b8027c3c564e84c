import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { openDatabase } from '../sqlite';
import { AssetsRepository } from './assets-repository';
import { AuditRepository } from './audit-repository';
import { BackupQueries } from './backup-queries';
import { CopiesRepository } from './copies-repository';
import { DestinationsRepository, DevicesRepository } from './devices-repository';
import { CatalogTooNewError, CatalogUnreadableError } from './errors';
import { migrate } from './migrate';
import { migrations } from './migrations/index';
import { RunsRepository } from './runs-repository';
import { TimelineRepository } from './timeline-repository';

/** The catalog's file name inside the data folder. */
export const CATALOG_FILE_NAME = 'catalog.sqlite';

export interface CatalogOptions {
  /** The clock for every timestamp the catalog writes; tests pass their own. */
  now?: () => number;
}

/**
 * The catalog: one SQLite file (WAL mode) with the devices, assets, resources, destination
 * copies, backup runs and the audit log. Opening migrates it to the newest schema and marks runs
 * that a killed process left "running" as interrupted.
 *
 * better-sqlite3 is synchronous: every query here is small and indexed, and batch writes run in
 * one transaction each, so the event loop is held for milliseconds at most.
 */
export class Catalog {
  readonly devices: DevicesRepository;
  readonly destinations: DestinationsRepository;
  readonly assets: AssetsRepository;
  readonly copies: CopiesRepository;
  readonly runs: RunsRepository;
  readonly audit: AuditRepository;
  readonly timeline: TimelineRepository;
  /** What to back up, what is safe to free: answered from the copy states. */
  readonly backup: BackupQueries;
  /** Schema versions that ran while opening (empty on an up-to-date catalog). */
  readonly migrated: number[];

  private constructor(
    readonly db: Database.Database,
    readonly file: string,
    now: () => number,
  ) {
    this.migrated = migrate(db, migrations, file);
    this.devices = new DevicesRepository(db, now);
    this.destinations = new DestinationsRepository(db, now);
    this.assets = new AssetsRepository(db, now);
    this.copies = new CopiesRepository(db, now);
    this.runs = new RunsRepository(db, now);
    this.audit = new AuditRepository(db, now);
    this.timeline = new TimelineRepository(db);
    this.backup = new BackupQueries(db);
    this.runs.markInterrupted();
  }

  /**
   * Opens (creating if needed) the catalog at `file`, or `:memory:` for a throwaway one.
   * Throws CatalogUnreadableError for a file that is not a catalog, CatalogTooNewError for one a
   * newer Rollkeeper wrote.
   */
  static open(file: string, options: CatalogOptions = {}): Catalog {
    if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
    let db: Database.Database | undefined;
    try {
      db = openDatabase(file);
      // Check the version before anything writes (WAL mode rewrites the header): a catalog from a
      // newer Rollkeeper is left exactly as it was.
      const version = db.pragma('user_version', { simple: true }) as number;
      const newest = migrations[migrations.length - 1]!.version;
      if (version > newest) throw new CatalogTooNewError(file, version, newest);
      // WAL: readers (the timeline) never wait for the backup's writes; NORMAL sync is durable
      // across application crashes and loses at most the last commits on power loss.
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
      // The timeline jumps around a 100k-asset catalog: keep its pages in memory (64 MiB cache,
      // memory-mapped reads) instead of a read() system call per 4 KiB page.
      db.pragma('cache_size = -65536');
      db.pragma('mmap_size = 268435456');
      db.pragma('temp_store = MEMORY');
      return new Catalog(db, file, options.now ?? Date.now);
    } catch (error) {
      db?.close();
      if (error instanceof Error && error.name === 'SqliteError') throw new CatalogUnreadableError(file, error);
      throw error;
    }
  }

  /** Opens the catalog in a data folder (the CLI's `--data-dir`, the app's userData). */
  static openInDataDir(dataDir: string, options: CatalogOptions = {}): Catalog {
    return Catalog.open(path.join(dataDir, CATALOG_FILE_NAME), options);
  }

  /** The schema version on disk. */
  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  /** Closes the file; SQLite's `optimize` first keeps the planner's statistics fresh. */
  close(): void {
    if (!this.db.open) return;
    this.db.pragma('optimize');
    this.db.close();
  }
}
