/**
 * Makes a camera roll: plans it from the seed, writes every file (DCIM, CPLAssets, Mutations,
 * Thumbnails), the live Photos.sqlite, and last the manifest (so a roll without a manifest is
 * known to be incomplete). The folder is what AFC shows as the phone's /var/mobile/Media.
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  futimesSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import type { AssetKind, ResourceRole } from '../../shared/asset';
import { type AssetFiles, type FileContext, type PlannedFile, filesForAsset } from './asset-files';
import {
  RollCancelledError,
  RollManifestMissingError,
  RollOptionsError,
  RollTargetNotAFolderError,
  RollTargetNotEmptyError,
} from './errors';
import {
  type CameraRollManifest,
  type CameraRollOptions,
  type DcimView,
  type ManifestAsset,
  type ManifestFile,
  type ManifestResource,
  MANIFEST_FILE_NAME,
  MANIFEST_FORMAT,
  MANIFEST_VERSION,
} from './manifest';
import { type LibraryAsset, type LibraryResource, assetTableName, writePhotosLibrary } from './photos-library';
import { type PlannedAsset, ROLL_NOW_MS, planCameraRoll } from './plan';
import { SeededRandom } from './random';
import { loadTemplates } from './templates';

export const DEFAULT_OPTIONS: CameraRollOptions = {
  seed: '1',
  photos: 40,
  videos: 6,
  live: 6,
  size: 'tiny',
  schema: 'ios14',
  realVideoBytes: 40_000_000,
};

export interface MakeCameraRollProgress {
  phase: 'files' | 'library' | 'manifest';
  done: number;
  total: number;
}

export interface MakeCameraRollRun {
  signal?: AbortSignal;
  /** Replace a roll made earlier in the same folder (only DCIM, PhotoData and the manifest go). */
  force?: boolean;
  onProgress?: (p: MakeCameraRollProgress) => void;
}

export interface MakeCameraRollResult {
  dir: string;
  manifestPath: string;
  assets: number;
  files: number;
  bytes: number;
  byKind: Partial<Record<AssetKind, number>>;
}

const PARTIAL_SUFFIX = '.partial';

function prepareTarget(dir: string, force: boolean): void {
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true });
    return;
  }
  if (!statSync(dir).isDirectory()) throw new RollTargetNotAFolderError(dir);
  const entries = readdirSync(dir);
  if (entries.length === 0) return;
  const ours = entries.includes(MANIFEST_FILE_NAME) || entries.includes(MANIFEST_FILE_NAME + PARTIAL_SUFFIX);
  if (!ours || !force) throw new RollTargetNotEmptyError(dir, ours);
  for (const name of ['DCIM', 'PhotoData', MANIFEST_FILE_NAME, MANIFEST_FILE_NAME + PARTIAL_SUFFIX]) {
    rmSync(path.join(dir, name), { recursive: true, force: true });
  }
}

/**
 * Writes one file synchronously. Measured on the 2-core machines, async writes (one or several in
 * flight) were slower: a roll is ~100,000 small files, one folder per device thumbnail, and each
 * async step is a thread-pool round trip.
 */
function writePlannedFile(root: string, f: PlannedFile, madeDirs: Set<string>): ManifestFile {
  const full = path.join(root, ...f.path.split('/'));
  const parent = path.dirname(full);
  if (!madeDirs.has(parent)) {
    mkdirSync(parent, { recursive: true });
    madeDirs.add(parent);
  }
  const hash = createHash('sha256');
  let size = 0;
  const fd = openSync(full, 'w');
  try {
    for (const chunk of f.chunks) {
      hash.update(chunk);
      for (let at = 0; at < chunk.length;) at += writeSync(fd, chunk, at, chunk.length - at);
      size += chunk.length;
    }
    futimesSync(fd, f.mtimeMs / 1000, f.mtimeMs / 1000);
  } finally {
    closeSync(fd);
  }
  return { path: f.path, size, sha256: hash.digest('hex'), mtimeMs: f.mtimeMs };
}

function hashFile(root: string, rel: string): ManifestFile {
  const full = path.join(root, ...rel.split('/'));
  const data = readFileSync(full);
  return {
    path: rel,
    size: data.length,
    sha256: createHash('sha256').update(data).digest('hex'),
    mtimeMs: statSync(full).mtimeMs,
  };
}

const UTI: Record<string, string> = {
  heic: 'public.heic',
  jpeg: 'public.jpeg',
  png: 'public.png',
  dng: 'com.adobe.raw-image',
  mov: 'com.apple.quicktime-movie',
  mp4: 'public.mpeg-4',
  plist: 'com.apple.property-list',
};

function libraryResources(a: PlannedAsset, written: ManifestResource[], originalSize: number): LibraryResource[] {
  const out: LibraryResource[] = [];
  const originalUti = a.still ? UTI[a.still]! : UTI[a.video ?? 'mov']!;
  out.push({ type: a.still ? 0 : 1, version: 0, uti: originalUti, size: originalSize, local: !a.flags.iCloudOnly });
  for (const r of written) {
    if (r.role === 'live-video') out.push({ type: 3, version: 0, uti: UTI.mov!, size: r.size, local: true });
    if (r.role === 'edited')
      out.push({
        type: r.path.endsWith('.mov') ? 1 : 0,
        version: 2,
        uti: r.path.endsWith('.mov') ? UTI.mov! : UTI.jpeg!,
        size: r.size,
        local: true,
      });
    if (r.role === 'adjustment') out.push({ type: 7, version: 2, uti: UTI.plist!, size: r.size, local: true });
  }
  return out;
}

function dcimView(a: PlannedAsset, resources: ManifestResource[]): DcimView | null {
  const paths = resources
    .filter((r) => r.path.startsWith('DCIM/') && (r.role === 'original' || r.role === 'live-video'))
    .map((r) => r.path);
  if (paths.length === 0) return null;
  let captureTime: DcimView['captureTime'] = null;
  if (a.still && a.still !== 'png') captureTime = { ...a.fileCapture, source: 'exif' };
  // QuickTime creationdate carries whole seconds only.
  if (!a.still)
    captureTime = {
      utcMs: Math.floor(a.fileCapture.utcMs / 1000) * 1000,
      offsetMinutes: a.fileCapture.offsetMinutes,
      source: 'quicktime',
    };
  return { paths, captureTime };
}

function manifestAsset(a: PlannedAsset, made: AssetFiles, written: ManifestFile[]): ManifestAsset {
  const resources: ManifestResource[] = [];
  const thumbnails: ManifestFile[] = [];
  made.files.forEach((f, i) => {
    if (f.role === 'thumbnail') thumbnails.push(written[i]!);
    else resources.push({ role: f.role as ResourceRole, ...written[i]! });
  });
  return {
    uuid: a.uuid,
    pk: a.pk,
    kind: a.kind,
    captureTime: a.capture,
    dateAdjusted: a.dateAdjusted,
    addedMs: a.addedMs,
    trashedMs: a.trashedMs,
    flags: a.flags,
    originalName: a.originalName,
    directory: a.directory,
    fileName: a.fileName,
    width: made.width,
    height: made.height,
    durationS: a.video ? (a.kind === 'live' ? 3 : a.durationS) : 0,
    burstUuid: a.burstUuid,
    contentIdentifier: a.contentIdentifier,
    inWal: a.inWal,
    resources,
    thumbnails,
    dcim: a.flags.iCloudOnly || a.location !== 'dcim' ? null : dcimView(a, resources),
  };
}

/** Writes the manifest one asset a line (diffable, and never one giant string), then renames it in. */
function writeManifest(file: string, manifest: Omit<CameraRollManifest, 'assets'>, assets: ManifestAsset[]): void {
  const partial = file + PARTIAL_SUFFIX;
  const fd = openSync(partial, 'w');
  try {
    const head = JSON.stringify({ ...manifest, assets: [] }, null, 1);
    writeSync(fd, `${head.slice(0, head.lastIndexOf('[]'))}[\n`);
    assets.forEach((a, i) => writeSync(fd, `${JSON.stringify(a)}${i < assets.length - 1 ? ',' : ''}\n`));
    writeSync(fd, ']\n}\n');
  } finally {
    closeSync(fd);
  }
  renameSync(partial, file);
}

function checkOptions(o: CameraRollOptions): void {
  for (const key of ['photos', 'videos', 'live'] as const) {
    if (!Number.isSafeInteger(o[key]) || o[key] < 0)
      throw new RollOptionsError(`${key} must be a whole number ≥ 0, not ${o[key]}`);
  }
  if (o.size !== 'tiny' && o.size !== 'real')
    throw new RollOptionsError(`size must be tiny or real, not "${String(o.size)}"`);
  if (o.schema !== 'ios14' && o.schema !== 'ios13')
    throw new RollOptionsError(`schema must be ios14 or ios13, not "${String(o.schema)}"`);
  if (!Number.isFinite(o.realVideoBytes) || o.realVideoBytes < 100_000 || o.realVideoBytes > 4e9) {
    throw new RollOptionsError('realVideoBytes must be between 100 kB and 4 GB');
  }
  if (typeof o.seed !== 'string') throw new RollOptionsError('seed must be text');
}

/** Makes the roll in `dir`. Throws RollOptionsError, RollTargetNotEmptyError, RollCancelledError, TemplateFormatError. */
export async function makeCameraRoll(
  dir: string,
  options: Partial<CameraRollOptions> = {},
  run: MakeCameraRollRun = {},
): Promise<MakeCameraRollResult> {
  const opts: CameraRollOptions = { ...DEFAULT_OPTIONS, ...options };
  checkOptions(opts);
  const root = path.resolve(dir);
  prepareTarget(root, run.force ?? false);
  const manifestPath = path.join(root, MANIFEST_FILE_NAME);
  writeFileSync(manifestPath + PARTIAL_SUFFIX, ''); // marks the folder as ours while incomplete

  const plan = planCameraRoll(opts);
  const templates = await loadTemplates(opts.size);
  const ctx: FileContext = {
    templates,
    size: opts.size,
    realVideoBytes: opts.realVideoBytes,
    padding: opts.size === 'real' ? SeededRandom.derive(opts.seed, 'padding').bytes(3_000_000) : Buffer.alloc(0),
  };

  const madeDirs = new Set<string>();
  const manifestAssets: ManifestAsset[] = [];
  const libraryAssets: LibraryAsset[] = [];
  let files = 0;
  let bytes = 0;
  const byKind: Partial<Record<AssetKind, number>> = {};
  const report = (phase: MakeCameraRollProgress['phase'], done: number) =>
    run.onProgress?.({ phase, done, total: plan.length });
  for (const [i, a] of plan.entries()) {
    if (i % 250 === 0) {
      // Let Ctrl-C and progress output through: the writes below are synchronous.
      await new Promise((resolve) => setImmediate(resolve));
      if (run.signal?.aborted) throw new RollCancelledError();
      report('files', i);
    }
    const made = filesForAsset(a, ctx);
    const written = made.files.map((f) => writePlannedFile(root, f, madeDirs));
    const entry = manifestAsset(a, made, written);
    manifestAssets.push(entry);
    libraryAssets.push({
      plan: a,
      width: made.width,
      height: made.height,
      originalSize: made.originalSize,
      uti: a.still ? UTI[a.still]! : UTI[a.video ?? 'mov']!,
      resources: libraryResources(a, entry.resources, made.originalSize),
    });
    files += written.length;
    bytes += written.reduce((n, f) => n + f.size, 0);
    byKind[a.kind] = (byKind[a.kind] ?? 0) + 1;
  }
  report('files', plan.length);

  report('library', 0);
  const photoData = path.join(root, 'PhotoData');
  mkdirSync(photoData, { recursive: true });
  const libraryPaths = writePhotosLibrary(photoData, libraryAssets, opts.schema, opts.seed);
  // The phone's "now", so that the same seed gives the same manifest, mtimes included.
  for (const p of libraryPaths) utimesSync(p, ROLL_NOW_MS / 1000, ROLL_NOW_MS / 1000);
  const libraryFiles = ['Photos.sqlite', 'Photos.sqlite-wal', 'Photos.sqlite-shm'].map((n) =>
    hashFile(root, `PhotoData/${n}`),
  );
  files += libraryFiles.length;
  bytes += libraryFiles.reduce((n, f) => n + f.size, 0);
  report('library', plan.length);

  if (run.signal?.aborted) throw new RollCancelledError();
  report('manifest', 0);
  writeManifest(
    manifestPath,
    {
      format: MANIFEST_FORMAT,
      version: MANIFEST_VERSION,
      options: opts,
      library: { path: 'PhotoData/Photos.sqlite', table: assetTableName(opts.schema), files: libraryFiles },
      totals: { assets: plan.length, files, bytes, byKind },
    },
    manifestAssets,
  );
  report('manifest', plan.length);
  return { dir: root, manifestPath, assets: plan.length, files, bytes, byKind };
}

/** Reads the manifest of a roll made by makeCameraRoll; RollManifestMissingError if unfinished or absent. */
export function readManifest(dir: string): CameraRollManifest {
  const file = path.join(dir, MANIFEST_FILE_NAME);
  if (!existsSync(file)) throw new RollManifestMissingError(dir, existsSync(file + PARTIAL_SUFFIX));
  return JSON.parse(readFileSync(file, 'utf8')) as CameraRollManifest;
}
