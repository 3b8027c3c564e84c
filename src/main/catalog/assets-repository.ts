import type Database from 'better-sqlite3';
import type { Asset } from '../../shared/asset';
import {
  type AssetRow,
  type ResourceRow,
  type StoredAsset,
  assetParams,
  fingerprintOf,
  identifyingResource,
  toStoredAsset,
} from './asset-rows';
import { CatalogNotFoundError } from './errors';

const SELECT_ASSET =
  'SELECT a.*, ct.sha256 AS content_sha256 FROM assets a LEFT JOIN contents ct ON ct.id = a.content_id';

/** What one sync did. `unchanged` rows cost one Map lookup each and no SQL at all. */
export interface AssetSyncCounts {
  added: number;
  changed: number;
  unchanged: number;
  /** Listed again after having been marked removed. */
  restored: number;
  /** No longer listed: marked removed (kept, so history and backups still explain them). */
  removed: number;
}

/**
 * A full listing of one source, fed in batches (a scanner streams them). Nothing is marked
 * removed until `finish()`: a scan that is cancelled or fails half-way never makes assets vanish.
 */
export interface SourceSnapshot {
  /** Writes the batch's new and changed assets in one transaction. */
  add(batch: readonly Asset[]): void;
  /** Marks every asset of the source that no batch listed as removed, and returns the counts. */
  finish(): AssetSyncCounts;
}

interface Known {
  id: number;
  fingerprint: string;
  removed: boolean;
}

/**
 * Assets and their resources, per source (a phone's library, or a destination's index: the
 * account). Keys: (source, library id or path). Writes are incremental: an asset whose
 * fingerprint is unchanged is not touched.
 */
export class AssetsRepository {
  private readonly stmts;

  constructor(
    private readonly db: Database.Database,
    private readonly now: () => number,
  ) {
    this.stmts = {
      sourceOfDevice: db.prepare<[number], { id: number }>('SELECT id FROM sources WHERE device_id = ?'),
      sourceOfDestination: db.prepare<[string], { id: number }>('SELECT id FROM sources WHERE destination_id = ?'),
      source: db.prepare<[number], { device_id: number | null; destination_id: string | null }>(
        'SELECT device_id, destination_id FROM sources WHERE id = ?',
      ),
      known: db.prepare<[number], { id: number; asset_key: string; fingerprint: string; removed_ms: number | null }>(
        'SELECT id, asset_key, fingerprint, removed_ms FROM assets WHERE source_id = ?',
      ),
      insert: db.prepare(`
        INSERT INTO assets (source_id, asset_key, kind, original_name, capture_utc_ms, capture_offset_min,
          capture_source, local_day, favorite, hidden, recently_deleted, icloud_only, content_id,
          fingerprint, first_seen_ms, updated_ms, removed_ms)
        VALUES (@sourceId, @key, @kind, @originalName, @utcMs, @offsetMin, @captureSource, @localDay, @favorite,
          @hidden, @recentlyDeleted, @iCloudOnly, @contentId, @fingerprint, @now, @now, NULL)`),
      update: db.prepare(`
        UPDATE assets SET kind = @kind, original_name = @originalName, capture_utc_ms = @utcMs,
          capture_offset_min = @offsetMin, capture_source = @captureSource, local_day = @localDay,
          favorite = @favorite, hidden = @hidden, recently_deleted = @recentlyDeleted, icloud_only = @iCloudOnly,
          content_id = @contentId, fingerprint = @fingerprint, updated_ms = @now,
          removed_ms = NULL
        WHERE id = @id`),
      restore: db.prepare('UPDATE assets SET removed_ms = NULL, updated_ms = ? WHERE id = ?'),
      markRemoved: db.prepare('UPDATE assets SET removed_ms = ?, updated_ms = ? WHERE id = ? AND removed_ms IS NULL'),
      resourcesOf: db.prepare<[number], ResourceRow>('SELECT * FROM resources WHERE asset_id = ? ORDER BY id'),
      insertResource: db.prepare(`
        INSERT INTO resources (asset_id, role, path, size, mtime_ms, sha256)
        VALUES (@assetId, @role, @path, @size, @mtimeMs, @sha256)`),
      updateResource: db.prepare(
        'UPDATE resources SET size = @size, mtime_ms = @mtimeMs, sha256 = @sha256 WHERE id = @id',
      ),
      deleteResource: db.prepare('DELETE FROM resources WHERE id = ?'),
      resource: db.prepare<[number], ResourceRow>('SELECT * FROM resources WHERE id = ?'),
      setResourceHash: db.prepare('UPDATE resources SET sha256 = ? WHERE id = ?'),
      setContent: db.prepare('UPDATE assets SET content_id = ?, updated_ms = ? WHERE id = ?'),
      // One statement that returns the content's id, creating it on first sight.
      contentId: db.prepare<[string], { id: number }>(
        'INSERT INTO contents (sha256) VALUES (?) ON CONFLICT (sha256) DO UPDATE SET sha256 = excluded.sha256 RETURNING id',
      ),
      byId: db.prepare<[number], AssetRow>(`${SELECT_ASSET} WHERE a.id = ?`),
      byKey: db.prepare<[number, string], AssetRow>(`${SELECT_ASSET} WHERE a.source_id = ? AND a.asset_key = ?`),
      // coalesce(content_id, -id) is the expression the assets_group index is built on.
      byContent: db.prepare<[string], AssetRow>(`${SELECT_ASSET}
        WHERE coalesce(a.content_id, -a.id) = (SELECT id FROM contents WHERE sha256 = ?) AND a.removed_ms IS NULL
        ORDER BY a.id`),
      listSource: db.prepare<[number, number], AssetRow>(`${SELECT_ASSET}
        WHERE a.source_id = ? AND (a.removed_ms IS NULL OR ?) ORDER BY a.capture_utc_ms DESC, a.id`),
      count: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM assets WHERE removed_ms IS NULL'),
    };
  }

  /** The asset source of a phone (created by DevicesRepository.upsert). */
  sourceOfDevice(deviceId: number): number {
    const row = this.stmts.sourceOfDevice.get(deviceId);
    if (!row) throw new CatalogNotFoundError(`device #${deviceId}`);
    return row.id;
  }

  /** The asset source of a destination's index (created by DestinationsRepository.upsert). */
  sourceOfDestination(destinationId: string): number {
    const row = this.stmts.sourceOfDestination.get(destinationId);
    if (!row) throw new CatalogNotFoundError(`destination "${destinationId}"`);
    return row.id;
  }

  /**
   * Makes the catalog's view of a phone equal to `assets` (its whole library): adds new ones,
   * rewrites changed ones, marks the missing ones removed. Unchanged assets cost no SQL.
   */
  replaceDeviceAssets(deviceId: number, assets: readonly Asset[]): AssetSyncCounts {
    const snapshot = this.deviceSnapshot(deviceId);
    snapshot.add(assets);
    return snapshot.finish();
  }

  /** A streamed full listing of a phone's library; see SourceSnapshot. */
  deviceSnapshot(deviceId: number): SourceSnapshot {
    return this.snapshot(this.sourceOfDevice(deviceId));
  }

  /**
   * Makes the catalog's view of a destination's own index (the account) equal to `items`: one
   * Asset per item there, `id` the destination's key for it, resource paths its stored locations
   * and `sha256` set, so items merge with the same photo on phones.
   */
  replaceDestinationIndex(destinationId: string, items: readonly Asset[]): AssetSyncCounts {
    const snapshot = this.snapshot(this.sourceOfDestination(destinationId));
    snapshot.add(items);
    return snapshot.finish();
  }

  /**
   * Adds or updates items of a destination's index without removing others: the backup calls it
   * after verifying copies, so a photo stays on the timeline ("only in the account") after the
   * phone frees its space.
   */
  upsertDestinationItems(destinationId: string, items: readonly Asset[]): AssetSyncCounts {
    const sourceId = this.sourceOfDestination(destinationId);
    const counts = emptyCounts();
    this.db.transaction(() => {
      for (const item of items) {
        const row = this.stmts.byKey.get(sourceId, item.id);
        this.write(
          sourceId,
          item,
          row ? { id: row.id, fingerprint: row.fingerprint, removed: row.removed_ms !== null } : undefined,
          counts,
        );
      }
    })();
    return counts;
  }

  /** Marks assets of a phone removed (e.g. right after deleting them from it). */
  markDeviceAssetsRemoved(deviceId: number, keys: readonly string[]): number {
    const sourceId = this.sourceOfDevice(deviceId);
    const now = this.now();
    let n = 0;
    this.db.transaction(() => {
      for (const key of keys) {
        const row = this.stmts.byKey.get(sourceId, key);
        if (row) n += this.stmts.markRemoved.run(now, now, row.id).changes;
      }
    })();
    return n;
  }

  /**
   * Records a resource's content hash (after the backup read it). For the original resource this
   * also merges the asset with every other copy of the same content on the timeline.
   */
  setResourceHash(resourceId: number, sha256: string): void {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new TypeError(`not a lowercase hex SHA-256: ${sha256}`);
    this.db.transaction(() => {
      const resource = this.stmts.resource.get(resourceId);
      if (!resource) throw new CatalogNotFoundError(`resource #${resourceId}`);
      this.stmts.setResourceHash.run(sha256, resourceId);
      const asset = this.stmts.byId.get(resource.asset_id)!;
      const identifying = identifyingResource(this.stmts.resourcesOf.all(asset.id));
      if (identifying?.id === resourceId) this.stmts.setContent.run(this.contentId(sha256), this.now(), asset.id);
    })();
  }

  /** One asset by the catalog's row id, with its resources. */
  get(rowId: number): StoredAsset {
    const row = this.stmts.byId.get(rowId);
    if (!row) throw new CatalogNotFoundError(`asset #${rowId}`);
    return this.hydrate(row);
  }

  /** A phone's asset by its library id or path, removed or not. */
  findOnDevice(deviceId: number, key: string): StoredAsset | undefined {
    const row = this.stmts.byKey.get(this.sourceOfDevice(deviceId), key);
    return row && this.hydrate(row);
  }

  /** Every present asset (any source) whose original has this content. */
  findByContent(sha256: string): StoredAsset[] {
    return this.stmts.byContent.all(sha256).map((r) => this.hydrate(r));
  }

  /** A phone's assets, newest first; removed ones too when asked. */
  listOnDevice(deviceId: number, { includeRemoved = false } = {}): StoredAsset[] {
    return this.stmts.listSource.all(this.sourceOfDevice(deviceId), includeRemoved ? 1 : 0).map((r) => this.hydrate(r));
  }

  /** How many assets are present across all sources (rows, not merged timeline items). */
  countPresent(): number {
    return this.stmts.count.get()!.n;
  }

  private snapshot(sourceId: number): SourceSnapshot {
    const known = new Map<string, Known>();
    for (const r of this.stmts.known.iterate(sourceId)) {
      known.set(r.asset_key, { id: r.id, fingerprint: r.fingerprint, removed: r.removed_ms !== null });
    }
    const counts = emptyCounts();
    let finished = false;
    return {
      add: (batch) => {
        if (finished) throw new Error('this snapshot is finished');
        this.db.transaction(() => {
          for (const asset of batch) {
            this.write(sourceId, asset, known.get(asset.id), counts);
            // Whatever is left in `known` at the end was not listed: removed.
            known.delete(asset.id);
          }
        })();
      },
      finish: () => {
        if (finished) throw new Error('this snapshot is finished');
        finished = true;
        const now = this.now();
        this.db.transaction(() => {
          for (const entry of known.values()) {
            if (!entry.removed) counts.removed += this.stmts.markRemoved.run(now, now, entry.id).changes;
          }
        })();
        return counts;
      },
    };
  }

  /** Writes one incoming asset given what is known of its row. Runs inside a transaction. */
  private write(sourceId: number, asset: Asset, known: Known | undefined, counts: AssetSyncCounts): void {
    const now = this.now();
    const incomingSha = identifyingResource(asset.resources)?.sha256 ?? null;
    if (!known) {
      const params = assetParams(sourceId, asset, this.contentId(incomingSha));
      const id = Number(this.stmts.insert.run({ ...params, now }).lastInsertRowid);
      for (const r of asset.resources) {
        this.stmts.insertResource.run({
          assetId: id,
          role: r.role,
          path: r.path,
          size: r.size,
          mtimeMs: r.mtimeMs,
          sha256: r.sha256 ?? null,
        });
      }
      counts.added++;
      return;
    }
    if (fingerprintOf(asset) === known.fingerprint) {
      if (known.removed) {
        this.stmts.restore.run(now, known.id);
        counts.restored++;
      } else counts.unchanged++;
      return;
    }
    // Changed: merge resources so hashes of files whose size and mtime did not change survive.
    const existing = new Map(this.stmts.resourcesOf.all(known.id).map((r) => [`${r.role}\0${r.path}`, r]));
    let identifyingSha: string | null = null;
    const identifying = identifyingResource(asset.resources);
    for (const r of asset.resources) {
      const old = existing.get(`${r.role}\0${r.path}`);
      existing.delete(`${r.role}\0${r.path}`);
      const sameFile = old !== undefined && old.size === r.size && old.mtime_ms === r.mtimeMs;
      const sha256 = r.sha256 ?? (sameFile ? old.sha256 : null);
      if (r === identifying) identifyingSha = sha256;
      if (!old) {
        this.stmts.insertResource.run({
          assetId: known.id,
          role: r.role,
          path: r.path,
          size: r.size,
          mtimeMs: r.mtimeMs,
          sha256,
        });
      } else if (!sameFile || sha256 !== old.sha256) {
        this.stmts.updateResource.run({ id: old.id, size: r.size, mtimeMs: r.mtimeMs, sha256 });
      }
    }
    for (const gone of existing.values()) this.stmts.deleteResource.run(gone.id);
    this.stmts.update.run({ ...assetParams(sourceId, asset, this.contentId(identifyingSha)), id: known.id, now });
    if (known.removed) counts.restored++;
    else counts.changed++;
  }

  private contentId(sha256: string | null): number | null {
    return sha256 === null ? null : this.stmts.contentId.get(sha256)!.id;
  }

  private hydrate(row: AssetRow): StoredAsset {
    return toStoredAsset(row, this.stmts.source.get(row.source_id)!, this.stmts.resourcesOf.all(row.id));
  }
}

function emptyCounts(): AssetSyncCounts {
  return { added: 0, changed: 0, unchanged: 0, restored: 0, removed: 0 };
}
