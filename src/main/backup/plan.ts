/**
 * What a run has to do: every file of the phone's present assets whose copy on the destination
 * is not verified, newest first (recent photos are the ones not yet safe anywhere else). The
 * catalog answers it from the copy states; this adds what a PutItem needs (the asset's name
 * and capture time) and the order.
 */
import type { CaptureTime, CopyState, ResourceRole } from '../../shared/asset';
import type { Catalog } from '../catalog/database';

/** One phone file to back up. */
export interface PlannedFile {
  resourceId: number;
  assetRowId: number;
  /** The asset's library id (or DCIM path): the destination's `assetId`. */
  assetKey: string;
  /** The name the user knows the asset by: names every file of the asset at the destination. */
  assetName: string;
  captureTime: CaptureTime | null;
  role: ResourceRole;
  /** Path under the phone's media root, e.g. `DCIM/100APPLE/IMG_0001.HEIC`. */
  path: string;
  size: number;
  mtimeMs: number;
  /** Known when an earlier run hashed it. */
  sha256: string | null;
  /** The copy's state on the destination when the run was planned (null: no copy record). */
  copyState: CopyState | null;
}

export type BackupOrder = 'newest-first' | 'oldest-first';

export function planBackup(
  catalog: Catalog,
  deviceId: number,
  destinationId: string,
  order: BackupOrder = 'newest-first',
): PlannedFile[] {
  const rows = catalog.backup.resourcesToBackUp(deviceId, destinationId);
  const assets = new Map<number, { key: string; name: string; captureTime: CaptureTime | null }>();
  const files = rows.map((row): PlannedFile => {
    let asset = assets.get(row.assetRowId);
    if (!asset) {
      const stored = catalog.assets.get(row.assetRowId);
      asset = { key: stored.key, name: stored.originalName, captureTime: stored.captureTime };
      assets.set(row.assetRowId, asset);
    }
    return {
      resourceId: row.resourceId,
      assetRowId: row.assetRowId,
      assetKey: asset.key,
      assetName: asset.name,
      captureTime: asset.captureTime,
      role: row.role,
      path: row.path,
      size: row.size,
      mtimeMs: row.mtimeMs,
      sha256: row.sha256,
      copyState: row.copyState,
    };
  });
  // The catalog answers newest first, files of one asset together (a Live Photo's still and video).
  return order === 'oldest-first' ? reverseKeepingAssets(files) : files;
}

/** Oldest first, keeping each asset's files in their order. */
function reverseKeepingAssets(files: PlannedFile[]): PlannedFile[] {
  const groups: PlannedFile[][] = [];
  for (const file of files) {
    const last = groups[groups.length - 1];
    if (last && last[0]!.assetRowId === file.assetRowId) last.push(file);
    else groups.push([file]);
  }
  return groups.reverse().flat();
}
