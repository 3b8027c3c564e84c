import type Database from 'better-sqlite3';
import { CatalogTooNewError } from './errors';
import type { Migration } from './migrations/index';

/**
 * Brings the database to the newest schema. Each migration runs in its own transaction together
 * with its `user_version` bump, so a crash mid-way leaves the catalog at the previous version,
 * never half-migrated. Returns the versions that ran.
 */
export function migrate(db: Database.Database, all: readonly Migration[], file: string): number[] {
  const current = db.pragma('user_version', { simple: true }) as number;
  const newest = all.length === 0 ? 0 : all[all.length - 1]!.version;
  if (current > newest) throw new CatalogTooNewError(file, current, newest);
  const ran: number[] = [];
  for (const migration of all) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      if (typeof migration.up === 'string') db.exec(migration.up);
      else migration.up(db);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
    ran.push(migration.version);
  }
  return ran;
}
