/**
 * The primary scanner: Photos.sqlite copied off the phone, read, and checked against the files.
 * The library knows what DCIM cannot (iCloud originals in PhotoData/CPLAssets and originals not on
 * the phone at all, Recently Deleted, favourites, dates adjusted on the phone, edits); the phone's
 * files tell what the library cannot (modification times, and whether a file it names is really
 * there with the size it claims). That check stats each resource through pipelined AFC requests,
 * except for assets the catalog already holds with the same resources: a changed phone only costs
 * per-file work for what changed.
 */
import type { Asset, ResourceOnDevice } from '../../shared/asset';
import { copyPhotoLibrary } from './library-copy';
import { type LibraryEntry, readLibrary } from './library-reader';
import { AfcError } from '../device/afc/errors';
import { mapConcurrent, type PhoneFileInfo, type PhoneFiles } from './phone-files';
import { type PriorAssets, type ScanProgress, type ScannedAssets, type ScanWarning, resourceKey } from './scan-types';

/**
 * Stats in flight at once, spread over the pool's connections: enough that the phone still has
 * work queued while this process writes a batch into the catalog.
 */
const CHECK_CONCURRENCY = 512;
/** Assets handed to the catalog at a time. */
const BATCH_SIZE = 2000;

export interface LibraryScanOptions {
  prior?: PriorAssets;
  signal?: AbortSignal;
  onProgress?: (p: ScanProgress) => void;
  /**
   * Receives the assets in batches, in library order, as soon as their files are checked (the
   * scan writes them to the catalog meanwhile). All of them are also in the result.
   */
  sink?: (batch: Asset[]) => void;
}

export async function scanLibrary(files: PhoneFiles, options: LibraryScanOptions = {}): Promise<ScannedAssets> {
  const { signal, onProgress } = options;
  onProgress?.({ phase: 'library-copy', done: 0, total: 1 });
  const copy = await copyPhotoLibrary(files, signal);
  let contents;
  try {
    onProgress?.({ phase: 'library-read', done: 0, total: 1 });
    contents = readLibrary(copy.dbPath);
  } finally {
    copy.cleanup();
  }
  const warnings: ScanWarning[] = contents.skipped.map((message) => ({ code: 'library.row-skipped', message }));
  const prior = options.prior ?? new Map<string, Asset>();

  // Resources needing a stat: everything not already known with the same path and size.
  const toCheck: { entry: number; resource: number }[] = [];
  const known: (ResourceOnDevice | undefined)[][] = contents.entries.map((entry, e) => {
    const before = prior.get(entry.asset.id);
    const byKey = new Map(before?.resources.map((r) => [resourceKey(r), r]));
    return entry.resources.map((r, i) => {
      const old = byKey.get(resourceKey(r));
      if (old && old.size === r.size) return old;
      toCheck.push({ entry: e, resource: i });
      return undefined;
    });
  });

  // Assets are handed to `sink` in order, a batch as soon as all its files are checked, so the
  // catalog writes (CPU here) overlap the stats (waiting on the phone).
  const batchOf = (entry: number) => Math.floor(entry / BATCH_SIZE);
  const batches = Math.ceil(contents.entries.length / BATCH_SIZE);
  const unchecked = new Array<number>(batches).fill(0);
  for (const { entry } of toCheck) unchecked[batchOf(entry)]!++;
  const assets: Asset[] = [];
  /** Files the phone refused to stat (path → why). */
  const refused = new Map<string, string>();
  let missingFiles = 0;
  let nextBatch = 0;
  const build = (entry: LibraryEntry, e: number): Asset => {
    const resources: ResourceOnDevice[] = [];
    entry.resources.forEach((claimed, i) => {
      const found = known[e]![i];
      if (!found && refused.has(claimed.path)) {
        missingFiles++;
        warnings.push({
          code: 'library.file-unreadable',
          message: `${claimed.path} (${entry.asset.originalName}) could not be checked: ${refused.get(claimed.path)}`,
          path: claimed.path,
        });
        return;
      }
      if (!found) {
        missingFiles++;
        warnings.push({
          code: 'library.file-missing',
          message: `The photo library lists ${claimed.path} (${entry.asset.originalName}), but the file is not on the iPhone.`,
          path: claimed.path,
        });
        return;
      }
      if (claimed.size >= 0 && found.size !== claimed.size) {
        warnings.push({
          code: 'library.size-mismatch',
          message: `${claimed.path} is ${found.size} bytes on the iPhone; the photo library says ${claimed.size}.`,
          path: claimed.path,
        });
      }
      resources.push(found);
    });
    if (!entry.asset.captureTime) {
      warnings.push({
        code: 'library.no-date',
        message: `${entry.asset.originalName} has no capture date in the photo library.`,
        path: entry.resources[0]?.path,
      });
    }
    return { ...entry.asset, resources };
  };
  const emitReady = () => {
    while (nextBatch < batches && unchecked[nextBatch] === 0) {
      signal?.throwIfAborted();
      const from = nextBatch * BATCH_SIZE;
      const batch = contents.entries.slice(from, from + BATCH_SIZE).map((entry, i) => build(entry, from + i));
      assets.push(...batch);
      options.sink?.(batch);
      nextBatch++;
    }
  };

  let done = 0;
  onProgress?.({ phase: 'check-files', done, total: toCheck.length });
  emitReady();
  await mapConcurrent(
    toCheck,
    CHECK_CONCURRENCY,
    async ({ entry, resource }) => {
      const claimed = contents.entries[entry]!.resources[resource]!;
      let info: PhoneFileInfo | null = null;
      try {
        info = await files.stat(claimed.path);
      } catch (error) {
        // The phone refused this one file (not a dropped connection): flag it, scan the rest.
        if (!(error instanceof AfcError)) throw error;
        refused.set(claimed.path, error.message);
      }
      // A missing file (or a folder in its place) stays undefined: build() reports it.
      if (info && info.type === 'file') {
        known[entry]![resource] = { role: claimed.role, path: claimed.path, size: info.size, mtimeMs: info.mtimeMs };
      }
      unchecked[batchOf(entry)]!--;
      if (++done % 2000 === 0) onProgress?.({ phase: 'check-files', done, total: toCheck.length });
      emitReady();
    },
    signal,
  );
  emitReady();
  onProgress?.({ phase: 'check-files', done: toCheck.length, total: toCheck.length });
  return { assets, warnings, missingFiles };
}
