/**
 * Settling what a killed or disconnected run left behind, before a new run plans its work. The
 * catalog is the journal of copies; the destination's own index is the journal of its writes.
 * Two gaps can exist between them:
 *
 * 1. A copy in `copying`: the process died between claiming the copy and recording its end.
 *    If the destination's index holds the content, the write committed: `copied` (the run then
 *    reads it back before saying `verified`). Otherwise it did not: `failed`, to be retried.
 * 2. A phone file with no hash yet whose copy the destination committed just before the process
 *    died (the hash is only known once the last byte was read, so no copy record could be made
 *    earlier). The destination's index names the phone, the asset, the role and the file; when
 *    those and the size and modification time match, the index's hash is adopted and the file is
 *    not read from the phone again. The copy is still read back from the destination before it
 *    counts as verified, so a wrong match could never make a bad copy look good.
 */
import path from 'node:path';
import type { Catalog } from '../catalog/database';
import type { Destination, IndexEntry } from '../destinations/destination';

export interface ReconcileResult {
  /** `copying` copies found committed at the destination (now `copied`). */
  committed: number;
  /** `copying` copies not found at the destination (now `failed`). */
  abandoned: number;
  /** Phone files matched to a committed copy by the destination's index. */
  adopted: number;
}

export async function reconcile(
  catalog: Catalog,
  destination: Destination,
  destinationId: string,
  deviceId: number,
  udid: string,
  signal?: AbortSignal,
): Promise<ReconcileResult> {
  const result: ReconcileResult = { committed: 0, abandoned: 0, adopted: 0 };
  for (const copy of catalog.copies.inState(destinationId, 'copying', Number.MAX_SAFE_INTEGER)) {
    const entry = await destination.findByHash({ sha256: copy.sha256 });
    if (entry && entry.size === copy.size) {
      catalog.copies.transition(destinationId, copy.sha256, 'copied', { location: entry.location });
      result.committed++;
    } else {
      catalog.copies.transition(destinationId, copy.sha256, 'failed', {
        error: 'The copy was interrupted before it was stored.',
      });
      result.abandoned++;
    }
  }

  const unhashed = catalog.backup.resourcesToBackUp(deviceId, destinationId).filter((r) => r.sha256 === null);
  if (unhashed.length === 0) return result;
  const stored = new Map<string, IndexEntry>();
  for await (const entry of destination.list({ signal })) {
    if (entry.sourceDevice === udid) stored.set(matchKey(entry.assetId, entry.role, entry.fileName), entry);
  }
  for (const resource of unhashed) {
    const entry = stored.get(matchKey(resource.assetKey, resource.role, path.posix.basename(resource.path)));
    if (!entry || entry.size !== resource.size) continue;
    if (entry.modifiedMs !== null && entry.modifiedMs !== resource.mtimeMs) continue;
    catalog.assets.setResourceHash(resource.resourceId, entry.hashes.sha256);
    recordCommitted(catalog, destinationId, entry.hashes.sha256, entry.size, entry.location);
    result.adopted++;
  }
  return result;
}

/**
 * Records that the destination holds this content at `location` (state `copied`), unless the
 * catalog already knows it as copied or verified.
 */
export function recordCommitted(
  catalog: Catalog,
  destinationId: string,
  sha256: string,
  size: number,
  location: string,
): void {
  const state = catalog.copies.plan(destinationId, sha256, size).state;
  if (state === 'copied' || state === 'verified') return;
  catalog.db.transaction(() => {
    if (state !== 'copying') catalog.copies.transition(destinationId, sha256, 'copying');
    catalog.copies.transition(destinationId, sha256, 'copied', { location });
  })();
}

function matchKey(assetId: string, role: string, fileName: string): string {
  return `${assetId}\u0000${role}\u0000${fileName}`;
}
