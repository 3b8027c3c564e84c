import type Database from 'better-sqlite3';
import { initialSchema } from './001-initial';
import { libraryScanState } from './002-library-scan-state';

/** One schema step. `version` is what `PRAGMA user_version` holds once it has run. */
export interface Migration {
  version: number;
  name: string;
  up: string | ((db: Database.Database) => void);
}

/**
 * Every migration, in order. Append only: a released migration is never edited, because
 * catalogs out there have already run it.
 */
export const migrations: readonly Migration[] = [
  { version: 1, name: 'initial', up: initialSchema },
  { version: 2, name: 'library-scan-state', up: libraryScanState },
];
