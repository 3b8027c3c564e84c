import type Database from 'better-sqlite3';
import type { CopyState, ResourceRole } from '../../shared/asset';

/** A resource of a phone's asset that has no verified copy on a destination yet. */
export interface ResourceToBackUp {
  assetRowId: number;
  /** The library id or path of the asset on the phone. */
  assetKey: string;
  resourceId: number;
  role: ResourceRole;
  path: string;
  size: number;
  mtimeMs: number;
  /** Null until the backup has read and hashed it. */
  sha256: string | null;
  /** The copy's state on the destination, null when there is no copy record. */
  copyState: CopyState | null;
}

/** A phone's asset all of whose files are verified on a destination. */
export interface AssetSafeToFree {
  assetRowId: number;
  assetKey: string;
  originalName: string;
  /** Bytes the phone gets back. */
  bytes: number;
}

/**
 * The questions the backup planner and free-up-space ask of the catalog, answered from the
 * copy state machine: only `verified` counts as backed up, and a file that has not been hashed
 * is never considered safe.
 */
export class BackupQueries {
  private readonly stmts;

  constructor(db: Database.Database) {
    this.stmts = {
      toBackUp: db.prepare<[{ deviceId: number; destinationId: string; limit: number }], Record<string, unknown>>(`
        SELECT a.id AS assetRowId, a.asset_key AS assetKey, r.id AS resourceId, r.role, r.path, r.size,
          r.mtime_ms AS mtimeMs, r.sha256, c.state AS copyState
        FROM sources s
        JOIN assets a ON a.source_id = s.id AND a.removed_ms IS NULL AND a.icloud_only = 0
        JOIN resources r ON r.asset_id = a.id
        LEFT JOIN copies c ON c.destination_id = @destinationId AND c.sha256 = r.sha256
        WHERE s.device_id = @deviceId AND c.state IS NOT 'verified'
        ORDER BY a.capture_utc_ms DESC, a.id, r.id
        LIMIT @limit`),
      safeToFree: db.prepare<[{ deviceId: number; destinationId: string }], Record<string, unknown>>(`
        SELECT a.id AS assetRowId, a.asset_key AS assetKey, a.original_name AS originalName,
          (SELECT sum(size) FROM resources WHERE asset_id = a.id) AS bytes
        FROM sources s
        JOIN assets a ON a.source_id = s.id AND a.removed_ms IS NULL AND a.icloud_only = 0
        WHERE s.device_id = @deviceId
          AND EXISTS (SELECT 1 FROM resources r WHERE r.asset_id = a.id)
          AND NOT EXISTS (
            SELECT 1 FROM resources r
            LEFT JOIN copies c ON c.destination_id = @destinationId AND c.sha256 = r.sha256
            WHERE r.asset_id = a.id AND (r.sha256 IS NULL OR c.state IS NOT 'verified'))
        ORDER BY a.capture_utc_ms, a.id`),
    };
  }

  /**
   * Files of a phone's present assets (not iCloud-only) whose copy on the destination is not
   * verified, newest first: what a backup run has to do.
   */
  resourcesToBackUp(deviceId: number, destinationId: string, limit = 1_000_000): ResourceToBackUp[] {
    return this.stmts.toBackUp.all({ deviceId, destinationId, limit }) as unknown as ResourceToBackUp[];
  }

  /** A phone's assets whose every file is hashed and verified on the destination, oldest first. */
  assetsSafeToFree(deviceId: number, destinationId: string): AssetSafeToFree[] {
    return this.stmts.safeToFree.all({ deviceId, destinationId }) as unknown as AssetSafeToFree[];
  }
}
