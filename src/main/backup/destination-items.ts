/**
 * Keeps the catalog's view of the destination's contents (its asset source) up to date as a run
 * verifies copies, so a photo stays on the timeline ("only in the backup") after the phone frees
 * its space, without waiting for a full re-read of the destination's index.
 */
import type { Asset } from '../../shared/asset';
import type { Catalog } from '../catalog/database';

export class DestinationItems {
  private readonly touched = new Set<number>();

  constructor(
    private readonly catalog: Catalog,
    private readonly destinationId: string,
    private readonly udid: string,
  ) {}

  /** An asset of the phone (catalog row id) had a file verified. */
  touch(assetRowId: number): void {
    this.touched.add(assetRowId);
    if (this.touched.size >= 200) this.flush();
  }

  /**
   * Writes one destination item per touched asset, holding every file of it that is verified on
   * the destination (also ones verified by earlier runs), at its stored location.
   */
  flush(): void {
    if (this.touched.size === 0) return;
    const items: Asset[] = [];
    for (const rowId of this.touched) {
      const asset = this.catalog.assets.get(rowId);
      const resources = asset.resources.flatMap((r) => {
        const copy = r.sha256 ? this.catalog.copies.get(this.destinationId, r.sha256) : undefined;
        if (!copy || copy.state !== 'verified' || !copy.location) return [];
        return [{ role: r.role, path: copy.location, size: r.size, mtimeMs: r.mtimeMs, sha256: copy.sha256 }];
      });
      if (resources.length === 0) continue;
      items.push({
        // Stable per phone asset: a later run that verifies its other files rewrites the same item.
        id: `${this.udid}/${asset.key}`,
        kind: asset.kind,
        captureTime: asset.captureTime,
        flags: { ...asset.flags, recentlyDeleted: false, iCloudOnly: false },
        originalName: asset.originalName,
        resources,
      });
    }
    this.touched.clear();
    this.catalog.assets.upsertDestinationItems(this.destinationId, items);
  }
}
