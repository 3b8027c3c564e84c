/**
 * Scans the attached phone into the catalog: the library scanner first (Photos.sqlite), the DCIM
 * scanner when the library is missing, unreadable or of an unknown schema (said once, as a
 * warning), or when asked to. Used by `rollkeeper scan`, and by the engine and the backup later
 * (they read the catalog's assets and resources).
 *
 * Incremental: the fingerprint of the phone (sizes and mtimes of Photos.sqlite, -wal, -shm: three
 * stats; plus the DCIM listing for DCIM scans) is compared with the last complete scan's; equal
 * means no copy, no per-file work, and the stored report. A changed phone is scanned in full, but
 * assets the catalog already holds with the same files cost no stat or header read, and the
 * catalog only writes rows whose content changed. Nothing is marked removed unless the scan
 * completed: a cancelled or failed scan may have written some assets, but makes none vanish.
 */
import { createHash } from 'node:crypto';
import type { Asset } from '../../shared/asset';
import { RollkeeperError } from '../../shared/errors';
import type { Catalog } from '../catalog/database';
import { AfcError } from '../device/afc/errors';
import { listDcim, scanDcim } from './dcim-scanner';
import { LIBRARY_FILES } from './library-copy';
import { scanLibrary } from './library-scanner';
import { type AfcSource, PhoneFiles } from './phone-files';
import { LibrarySchemaUnknownError, LibraryUnreadableError, ScanCancelledError } from './scan-errors';
import { ScanStateStore } from './scan-state';
import type { KindCounts, ScanProgress, ScannedAssets, ScanWarning } from './scan-types';

export interface ScanDeviceOptions {
  /** One AFC client or a pool (the pool spreads the per-file requests over its connections). */
  afc: AfcSource;
  catalog: Catalog;
  /** The phone's catalog id (DevicesRepository.upsert). */
  deviceId: number;
  signal?: AbortSignal;
  onProgress?: (p: ScanProgress) => void;
  /** List DCIM even when the library is readable. */
  dcimOnly?: boolean;
  /** Scan in full even when the phone looks unchanged. */
  force?: boolean;
}

export interface ScanReport {
  source: 'library' | 'dcim';
  /** Assets on the phone now (the catalog's present assets of this phone). */
  assets: number;
  byKind: KindCounts;
  /** Earliest and latest capture instants, ms; null when no asset has a date. */
  dateRange: { firstMs: number; lastMs: number } | null;
  flagged: { iCloudOnly: number; recentlyDeleted: number; missingFiles: number };
  warnings: ScanWarning[];
  /** What this scan changed in the catalog (restored assets count as added). */
  changed: { added: number; removed: number; updated: number };
  /** True when the phone was unchanged since the last scan and nothing was read. */
  unchanged: boolean;
  /** Payload bytes read from the phone and AFC requests made by this scan. */
  bytesRead: number;
  requests: number;
}

type StoredReport = Omit<ScanReport, 'unchanged' | 'bytesRead' | 'requests' | 'changed'>;

export async function scanDevice(options: ScanDeviceOptions): Promise<ScanReport> {
  const { catalog, deviceId, signal, onProgress } = options;
  const files = new PhoneFiles(options.afc);
  const store = new ScanStateStore<StoredReport>(catalog.db);
  const finish = (report: StoredReport, changed: ScanReport['changed'], unchanged: boolean): ScanReport => ({
    ...report,
    changed,
    unchanged,
    bytesRead: files.bytesReceived,
    requests: files.requests,
  });
  try {
    onProgress?.({ phase: 'fingerprint', done: 0, total: 1 });
    const libraryPrint = await libraryFingerprint(files);
    const previous = options.force ? undefined : store.get(deviceId);
    let listing: Map<string, string[]> | undefined;
    const dcimPrint = async () => {
      listing ??= await listDcim(files, signal);
      return `dcim|${options.dcimOnly ? 'asked' : 'fallback'}|${libraryPrint}|${hashListing(listing)}`;
    };

    if (previous) {
      const wanted =
        previous.report.source === 'dcim' || options.dcimOnly ? await dcimPrint() : `library|${libraryPrint}`;
      if (wanted === previous.fingerprint) return finish(previous.report, { added: 0, removed: 0, updated: 0 }, true);
    }

    const prior = new Map<string, Asset>();
    for (const stored of catalog.assets.listOnDevice(deviceId)) {
      prior.set(stored.key, {
        id: stored.key,
        kind: stored.kind,
        captureTime: stored.captureTime,
        flags: stored.flags,
        originalName: stored.originalName,
        resources: stored.resources.map((r) => ({ role: r.role, path: r.path, size: r.size, mtimeMs: r.mtimeMs })),
      });
    }

    // Batches go into the catalog as the scanner finishes them; nothing is marked removed before
    // finish(), so a scan that stops half-way never makes assets vanish.
    const snapshot = catalog.assets.deviceSnapshot(deviceId);
    let written = 0;
    const sink = (batch: Asset[]) => {
      snapshot.add(batch);
      written += batch.length;
    };
    let scanned: ScannedAssets | undefined;
    let source: ScanReport['source'] = 'library';
    const fallbackWarnings: ScanWarning[] = [];
    if (!options.dcimOnly) {
      try {
        scanned = await scanLibraryWithRetry(files, libraryPrint, { prior, signal, onProgress, sink });
      } catch (error) {
        // Once library assets are in the catalog, mixing in DCIM-keyed ones would duplicate them.
        if (!isLibraryProblem(error) || written > 0) throw error;
        const e = error as RollkeeperError;
        fallbackWarnings.push({
          code: e.code,
          message: `${e.message} ${e.hint}`.trim(),
          path: 'PhotoData/Photos.sqlite',
        });
      }
    }
    let fingerprint = `library|${libraryPrint}`;
    if (!scanned) {
      source = 'dcim';
      fingerprint = await dcimPrint();
      scanned = await scanDcim(files, { prior, listing, signal, onProgress });
    }

    signal?.throwIfAborted();
    onProgress?.({ phase: 'catalog', done: 0, total: scanned.assets.length });
    if (source === 'dcim') sink(scanned.assets);
    const counts = snapshot.finish();
    onProgress?.({ phase: 'catalog', done: scanned.assets.length, total: scanned.assets.length });

    const report: StoredReport = {
      source,
      ...summarize(scanned),
      warnings: [...fallbackWarnings, ...scanned.warnings],
    };
    store.set(deviceId, fingerprint, report, Date.now());
    return finish(
      report,
      { added: counts.added + counts.restored, removed: counts.removed, updated: counts.changed },
      false,
    );
  } catch (error) {
    if (signal?.aborted) {
      if (signal.reason instanceof RollkeeperError) throw signal.reason;
      throw new ScanCancelledError({ cause: error });
    }
    throw error;
  }
}

function isLibraryProblem(error: unknown): boolean {
  // An AFC refusal while copying (a file locked mid-write, a read error) is a library problem
  // too; a dropped connection is not (it ends the whole scan).
  return (
    error instanceof LibraryUnreadableError || error instanceof LibrarySchemaUnknownError || error instanceof AfcError
  );
}

/**
 * The library changes while the phone is in use: a copy that raced a write can be "malformed".
 * When the files changed during the copy, copy once more before giving up on the library.
 */
async function scanLibraryWithRetry(
  files: PhoneFiles,
  printBefore: string,
  options: Parameters<typeof scanLibrary>[1],
): Promise<ScannedAssets> {
  try {
    return await scanLibrary(files, options);
  } catch (error) {
    if (!(error instanceof LibraryUnreadableError) || (await libraryFingerprint(files)) === printBefore) throw error;
    return scanLibrary(files, options);
  }
}

async function libraryFingerprint(files: PhoneFiles): Promise<string> {
  const stats = await Promise.all(LIBRARY_FILES.map((p) => files.stat(p)));
  return stats.map((s) => (s ? `${s.size}:${s.mtimeMs}` : '-')).join(',');
}

function hashListing(listing: Map<string, string[]>): string {
  const hash = createHash('sha1');
  for (const [folder, names] of listing) hash.update(`${folder}\0${names.join('\0')}\n`);
  return hash.digest('base64url');
}

function summarize(scanned: ScannedAssets): Omit<StoredReport, 'source' | 'warnings'> {
  const byKind: KindCounts = {};
  let firstMs = Infinity;
  let lastMs = -Infinity;
  let iCloudOnly = 0;
  let recentlyDeleted = 0;
  for (const a of scanned.assets) {
    byKind[a.kind] = (byKind[a.kind] ?? 0) + 1;
    if (a.captureTime) {
      firstMs = Math.min(firstMs, a.captureTime.utcMs);
      lastMs = Math.max(lastMs, a.captureTime.utcMs);
    }
    if (a.flags.iCloudOnly) iCloudOnly++;
    if (a.flags.recentlyDeleted) recentlyDeleted++;
  }
  return {
    assets: scanned.assets.length,
    byKind,
    dateRange: Number.isFinite(firstMs) ? { firstMs, lastMs } : null,
    flagged: { iCloudOnly, recentlyDeleted, missingFiles: scanned.missingFiles },
  };
}
