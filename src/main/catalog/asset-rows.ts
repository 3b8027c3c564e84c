import { createHash } from 'node:crypto';
import type { Asset, AssetFlags, AssetKind, CaptureTime, ResourceRole } from '../../shared/asset';
import { localDayOf } from './local-day';

/** An asset as the catalog stores it: the model plus where it is known from and its history. */
export interface StoredAsset {
  /** The catalog's row id (not the library id: that is `key`). */
  rowId: number;
  sourceId: number;
  /** The phone it is on, or null for an item of a destination's index. */
  deviceId: number | null;
  destinationId: string | null;
  /** The library's id (ZUUID), the DCIM path, or the destination's id for the item. */
  key: string;
  kind: AssetKind;
  originalName: string;
  captureTime: CaptureTime | null;
  /** yyyymmdd of the local capture date, null without a capture time. */
  localDay: number | null;
  flags: AssetFlags;
  /** SHA-256 of the original resource once known: what merges it with copies elsewhere. */
  contentSha256: string | null;
  firstSeenMs: number;
  updatedMs: number;
  /** When the source stopped listing it (deleted on the phone, gone from the index), else null. */
  removedMs: number | null;
  resources: StoredResource[];
}

export interface StoredResource {
  id: number;
  role: ResourceRole;
  path: string;
  size: number;
  mtimeMs: number;
  sha256: string | null;
}

/** The columns of an `assets` row, as read. */
export interface AssetRow {
  id: number;
  source_id: number;
  asset_key: string;
  kind: string;
  original_name: string;
  capture_utc_ms: number | null;
  capture_offset_min: number | null;
  capture_source: string | null;
  local_day: number | null;
  favorite: number;
  hidden: number;
  recently_deleted: number;
  icloud_only: number;
  content_id: number | null;
  /** Joined from `contents`. */
  content_sha256: string | null;
  fingerprint: string;
  first_seen_ms: number;
  updated_ms: number;
  removed_ms: number | null;
}

export interface ResourceRow {
  id: number;
  asset_id: number;
  role: string;
  path: string;
  size: number;
  mtime_ms: number;
  sha256: string | null;
}

/**
 * A digest of everything the catalog stores from an incoming asset. Equal digests mean nothing
 * changed, so a rescan of an unchanged library writes nothing. Hashes the backup filled in later
 * are not part of the input, so they survive rescans.
 */
export function fingerprintOf(asset: Asset): string {
  const ct = asset.captureTime;
  const f = asset.flags;
  const resources = [...asset.resources]
    .sort((a, b) => (a.role + '\0' + a.path < b.role + '\0' + b.path ? -1 : 1))
    .map((r) => [r.role, r.path, r.size, r.mtimeMs, r.sha256 ?? null]);
  const parts = [
    asset.kind,
    asset.originalName,
    ct ? [ct.utcMs, ct.offsetMinutes, ct.source] : null,
    [f.favorite, f.hidden, f.recentlyDeleted, f.iCloudOnly],
    resources,
  ];
  return createHash('sha1').update(JSON.stringify(parts)).digest('base64url');
}

/** The resource whose hash identifies the asset: the original still or video. */
export function identifyingResource<T extends { role: string }>(resources: readonly T[]): T | undefined {
  return resources.find((r) => r.role === 'original') ?? resources[0];
}

/** The named parameters for inserting or updating an `assets` row. */
export function assetParams(sourceId: number, asset: Asset, contentId: number | null) {
  const ct = asset.captureTime;
  return {
    sourceId,
    key: asset.id,
    kind: asset.kind,
    originalName: asset.originalName,
    utcMs: ct?.utcMs ?? null,
    offsetMin: ct?.offsetMinutes ?? null,
    captureSource: ct?.source ?? null,
    localDay: ct ? localDayOf(ct) : null,
    favorite: asset.flags.favorite ? 1 : 0,
    hidden: asset.flags.hidden ? 1 : 0,
    recentlyDeleted: asset.flags.recentlyDeleted ? 1 : 0,
    iCloudOnly: asset.flags.iCloudOnly ? 1 : 0,
    contentId,
    fingerprint: fingerprintOf(asset),
  };
}

export function toStoredAsset(
  row: AssetRow,
  source: { device_id: number | null; destination_id: string | null },
  resources: ResourceRow[],
): StoredAsset {
  return {
    rowId: row.id,
    sourceId: row.source_id,
    deviceId: source.device_id,
    destinationId: source.destination_id,
    key: row.asset_key,
    kind: row.kind as AssetKind,
    originalName: row.original_name,
    captureTime: captureTimeOfRow(row),
    localDay: row.local_day,
    flags: {
      favorite: row.favorite === 1,
      hidden: row.hidden === 1,
      recentlyDeleted: row.recently_deleted === 1,
      iCloudOnly: row.icloud_only === 1,
    },
    contentSha256: row.content_sha256,
    firstSeenMs: row.first_seen_ms,
    updatedMs: row.updated_ms,
    removedMs: row.removed_ms,
    resources: resources.map((r) => ({
      id: r.id,
      role: r.role as ResourceRole,
      path: r.path,
      size: r.size,
      mtimeMs: r.mtime_ms,
      sha256: r.sha256,
    })),
  };
}

export function captureTimeOfRow(
  row: Pick<AssetRow, 'capture_utc_ms' | 'capture_offset_min' | 'capture_source'>,
): CaptureTime | null {
  if (row.capture_utc_ms === null) return null;
  return {
    utcMs: row.capture_utc_ms,
    offsetMinutes: row.capture_offset_min,
    source: (row.capture_source ?? 'file-mtime') as CaptureTime['source'],
  };
}
