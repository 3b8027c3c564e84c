/**
 * `verify`: re-read every copy the catalog counts as backed up (copied or verified) from the
 * destination, hash it, and compare with the hash the catalog holds. A copy altered behind the
 * app's back (bit rot, an editor, a sync tool) is marked `failed` and set aside (to the
 * destination's trash when it has one), so the next backup writes a fresh copy from the phone
 * instead of deduplicating onto the bad one; a vanished copy is marked `missing`.
 */
import type { Catalog } from '../catalog/database';
import type { CopyRecord } from '../catalog/copies-repository';
import type { Destination } from '../destinations/destination';
import { measureStoredCopy } from '../destinations/verify-copy';

export interface VerifyEvent {
  sha256: string;
  location: string;
  size: number;
  status: 'ok' | 'altered' | 'missing';
  detail?: string;
}

export interface VerifySummary {
  runId: number;
  checked: number;
  ok: number;
  altered: number;
  missing: number;
  bytes: number;
  seconds: number;
}

export interface VerifyOptions {
  catalog: Catalog;
  destination: Destination;
  destinationId: string;
  signal?: AbortSignal;
  onCopy?: (event: VerifyEvent) => void;
}

export async function verifyDestination(options: VerifyOptions): Promise<VerifySummary> {
  const { catalog, destination, destinationId, signal } = options;
  const startMs = performance.now();
  const run = catalog.runs.start('verify', { destinationId });
  const copies: CopyRecord[] = [
    ...catalog.copies.inState(destinationId, 'verified', Number.MAX_SAFE_INTEGER),
    ...catalog.copies.inState(destinationId, 'copied', Number.MAX_SAFE_INTEGER),
  ].filter((copy) => copy.location !== null);
  const summary: VerifySummary = { runId: run.id, checked: 0, ok: 0, altered: 0, missing: 0, bytes: 0, seconds: 0 };
  catalog.runs.progress(run.id, {
    itemsTotal: copies.length,
    bytesTotal: copies.reduce((sum, copy) => sum + copy.size, 0),
  });
  try {
    for (const copy of copies) {
      signal?.throwIfAborted();
      const location = copy.location!;
      const actual = await measureStoredCopy(destination, location, signal);
      let event: VerifyEvent;
      if (!actual) {
        catalog.copies.transition(destinationId, copy.sha256, 'missing', {
          error: 'The copy is gone from the destination.',
        });
        // Drop the index entry too, so the next backup stores the file again.
        await destination.remove(location, { toTrash: true }).catch(() => undefined);
        event = { sha256: copy.sha256, location, size: copy.size, status: 'missing' };
      } else if (actual.size !== copy.size || actual.sha256 !== copy.sha256) {
        const detail = `read ${actual.size} bytes with SHA-256 ${actual.sha256}, expected ${copy.size} bytes with ${copy.sha256}`;
        catalog.copies.transition(destinationId, copy.sha256, 'failed', {
          error: `Altered at the destination: ${detail}`,
        });
        await destination.remove(location, { toTrash: true }).catch(() => undefined);
        event = { sha256: copy.sha256, location, size: copy.size, status: 'altered', detail };
      } else {
        catalog.copies.transition(destinationId, copy.sha256, 'verified');
        event = { sha256: copy.sha256, location, size: copy.size, status: 'ok' };
      }
      summary.checked++;
      summary[event.status]++;
      summary.bytes += actual?.size ?? 0;
      if (event.status !== 'ok') {
        catalog.audit.append({
          action: `verify.${event.status}`,
          runId: run.id,
          subject: location,
          detail: { sha256: copy.sha256, destinationId, ...(event.detail ? { detail: event.detail } : {}) },
        });
      }
      catalog.runs.progress(run.id, {
        itemsDone: summary.ok,
        itemsFailed: summary.altered + summary.missing,
        bytesDone: summary.bytes,
      });
      options.onCopy?.(event);
    }
    catalog.runs.finish(run.id, 'completed');
  } catch (error) {
    catalog.runs.finish(
      run.id,
      signal?.aborted ? 'cancelled' : 'failed',
      error instanceof Error ? error.message : String(error),
    );
    throw error;
  } finally {
    summary.seconds = (performance.now() - startMs) / 1000;
  }
  return summary;
}
