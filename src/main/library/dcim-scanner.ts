/**
 * The fallback scanner (and the cross-check's other half): lists the camera folders, groups a
 * Live Photo's still and movie (same base name, same folder), finds edits under
 * PhotoData/Mutations/DCIM, and reads each asset's capture time from its file header with ranged
 * reads. It can only know what the files say: no favourites, no Recently Deleted, no iCloud
 * originals, no dates adjusted on the phone. A file is identified by its path (IMG_0001 repeats
 * across 100APPLE and 101APPLE once the counter wraps), so the asset id is its original's path.
 */
import type { Asset, AssetKind, ResourceOnDevice, ResourceRole } from '../../shared/asset';
import { readHeaderCaptureTime } from './header-capture-time';
import { mapConcurrent, type PhoneFileInfo, type PhoneFiles } from './phone-files';
import { type PriorAssets, type ScanProgress, type ScannedAssets, type ScanWarning } from './scan-types';

const STILLS: Record<string, AssetKind> = {
  HEIC: 'photo',
  HEIF: 'photo',
  JPG: 'photo',
  JPEG: 'photo',
  PNG: 'screenshot',
  DNG: 'raw',
  GIF: 'photo',
  TIF: 'photo',
  TIFF: 'photo',
};
const MOVIES = new Set(['MOV', 'MP4', 'M4V', '3GP']);
/** Photos' adjustment sidecars, seen in DCIM on some phones (verify). */
const SIDECARS = new Set(['AAE']);
const CONCURRENCY = 64;

export interface DcimScanOptions {
  prior?: PriorAssets;
  /** The DCIM listing when the caller already made it (for the fingerprint). */
  listing?: Map<string, string[]>;
  signal?: AbortSignal;
  onProgress?: (p: ScanProgress) => void;
}

interface Group {
  folder: string;
  base: string;
  files: string[];
}

interface Planned {
  id: string;
  kind: AssetKind;
  files: { role: ResourceRole; path: string }[];
}

/** Lists DCIM's folders and their files: `DCIM/100APPLE` → names. Used for the fingerprint too. */
export async function listDcim(files: PhoneFiles, signal?: AbortSignal): Promise<Map<string, string[]>> {
  const folders = ((await files.readDir('DCIM')) ?? []).filter((n) => !n.startsWith('.')).sort();
  const listings = await mapConcurrent(
    folders,
    CONCURRENCY,
    (f) => files.readDir(`DCIM/${f}`).catch(() => null),
    signal,
  );
  const out = new Map<string, string[]>();
  folders.forEach((f, i) => {
    const names = listings[i];
    if (names) out.set(`DCIM/${f}`, names.filter((n) => !n.startsWith('.')).sort());
  });
  return out;
}

const extensionOf = (name: string) => (/\.([^.]+)$/.exec(name)?.[1] ?? '').toUpperCase();
const baseOf = (name: string) => name.replace(/\.[^.]+$/, '');

/** Groups one folder's files into assets: a still and a movie with the same base are one Live Photo. */
export function groupFolder(folder: string, names: readonly string[]): { planned: Planned[]; warnings: ScanWarning[] } {
  const groups = new Map<string, Group>();
  for (const name of names) {
    const base = baseOf(name);
    const group = groups.get(base) ?? { folder, base, files: [] };
    group.files.push(name);
    groups.set(base, group);
  }
  const planned: Planned[] = [];
  const warnings: ScanWarning[] = [];
  for (const group of groups.values()) {
    const stills = group.files.filter((n) => extensionOf(n) in STILLS);
    const movies = group.files.filter((n) => MOVIES.has(extensionOf(n)));
    const sidecars = group.files.filter((n) => SIDECARS.has(extensionOf(n)));
    const others = group.files.filter((n) => !stills.includes(n) && !movies.includes(n) && !sidecars.includes(n));
    const at = (n: string) => `${folder}/${n}`;
    const made: Planned[] = [];
    if (stills.length === 1 && movies.length === 1) {
      made.push({
        id: at(stills[0]!),
        kind: 'live',
        files: [
          { role: 'original', path: at(stills[0]!) },
          { role: 'live-video', path: at(movies[0]!) },
        ],
      });
    } else {
      for (const s of stills)
        made.push({ id: at(s), kind: STILLS[extensionOf(s)]!, files: [{ role: 'original', path: at(s) }] });
      for (const m of movies) made.push({ id: at(m), kind: 'video', files: [{ role: 'original', path: at(m) }] });
    }
    for (const o of others) {
      made.push({ id: at(o), kind: 'other', files: [{ role: 'original', path: at(o) }] });
      warnings.push({
        code: 'dcim.unknown-type',
        message: `${at(o)} is not a photo or video type Rollkeeper knows; it is listed as "other".`,
        path: at(o),
      });
    }
    for (const s of sidecars) {
      if (made[0]) made[0].files.push({ role: 'adjustment', path: at(s) });
      else made.push({ id: at(s), kind: 'other', files: [{ role: 'original', path: at(s) }] });
    }
    planned.push(...made);
  }
  return { planned, warnings };
}

/** Edits under PhotoData/Mutations/DCIM/<folder>/<base>/Adjustments, by `DCIM/<folder>/<base>`. */
async function listEdits(files: PhoneFiles, wanted: Set<string>, signal?: AbortSignal): Promise<Map<string, string[]>> {
  const root = 'PhotoData/Mutations/DCIM';
  const folders = (await files.readDir(root)) ?? [];
  const bases = await mapConcurrent(
    folders,
    CONCURRENCY,
    (f) => files.readDir(`${root}/${f}`).catch(() => null),
    signal,
  );
  const keys: string[] = [];
  folders.forEach((f, i) => {
    for (const b of bases[i] ?? []) if (wanted.has(`DCIM/${f}/${b}`)) keys.push(`DCIM/${f}/${b}`);
  });
  const listings = await mapConcurrent(
    keys,
    CONCURRENCY,
    (k) => files.readDir(`PhotoData/Mutations/${k}/Adjustments`).catch(() => null),
    signal,
  );
  const out = new Map<string, string[]>();
  keys.forEach((k, i) => {
    const names = (listings[i] ?? []).filter((n) => /^FullSizeRender\./i.test(n) || n === 'Adjustments.plist');
    if (names.length) out.set(k, names.map((n) => `PhotoData/Mutations/${k}/Adjustments/${n}`).sort());
  });
  return out;
}

export async function scanDcim(files: PhoneFiles, options: DcimScanOptions = {}): Promise<ScannedAssets> {
  const { signal, onProgress } = options;
  const prior = options.prior ?? new Map<string, Asset>();
  onProgress?.({ phase: 'dcim-list', done: 0, total: 1 });
  const listing = options.listing ?? (await listDcim(files, signal));
  const planned: Planned[] = [];
  const warnings: ScanWarning[] = [];
  for (const [folder, names] of listing) {
    const grouped = groupFolder(folder, names);
    planned.push(...grouped.planned);
    warnings.push(...grouped.warnings);
  }
  const edits = await listEdits(files, new Set(planned.map((p) => baseOf(p.id))), signal);
  for (const p of planned) {
    for (const path of edits.get(baseOf(p.id)) ?? []) {
      p.files.push({ role: path.endsWith('Adjustments.plist') ? 'adjustment' : 'edited', path });
    }
  }

  // Assets the catalog holds with exactly these files need no stat and no header read: camera
  // originals are never rewritten in place (an edit is a new file under Mutations).
  const fresh: Planned[] = [];
  const reused = new Map<string, Asset>();
  for (const p of planned) {
    const before = prior.get(p.id);
    const same =
      before !== undefined &&
      before.kind === p.kind &&
      before.resources.length === p.files.length &&
      p.files.every((f) => before.resources.some((r) => r.role === f.role && r.path === f.path));
    if (same) reused.set(p.id, before);
    else fresh.push(p);
  }

  let done = 0;
  onProgress?.({ phase: 'dcim-headers', done, total: fresh.length });
  const built = await mapConcurrent(
    fresh,
    CONCURRENCY,
    async (p) => {
      const result = await buildAsset(files, p);
      if (++done % 1000 === 0) onProgress?.({ phase: 'dcim-headers', done, total: fresh.length });
      return result;
    },
    signal,
  );
  onProgress?.({ phase: 'dcim-headers', done: fresh.length, total: fresh.length });
  const byId = new Map(built.map((b) => [b.asset.id, b]));
  const assets: Asset[] = [];
  let missingFiles = 0;
  for (const p of planned) {
    const again = reused.get(p.id);
    if (again) {
      assets.push(again);
      continue;
    }
    const b = byId.get(p.id)!;
    warnings.push(...b.warnings);
    missingFiles += b.missing;
    assets.push(b.asset);
  }
  return { assets, warnings, missingFiles };
}

async function buildAsset(
  files: PhoneFiles,
  p: Planned,
): Promise<{ asset: Asset; warnings: ScanWarning[]; missing: number }> {
  const warnings: ScanWarning[] = [];
  const infos = await Promise.all(p.files.map((f) => files.stat(f.path)));
  const resources: ResourceOnDevice[] = [];
  let missing = 0;
  p.files.forEach((f, i) => {
    const info: PhoneFileInfo | null = infos[i]!;
    if (info && info.type === 'file')
      resources.push({ role: f.role, path: f.path, size: info.size, mtimeMs: info.mtimeMs });
    else missing++; // listed a moment ago, gone now (deleted while scanning): the next scan settles it
  });
  const primary = p.files[0]!;
  const primaryInfo = infos[0];
  const name = primary.path.slice(primary.path.lastIndexOf('/') + 1);
  let captureTime: Asset['captureTime'] = null;
  if (primaryInfo && primaryInfo.type === 'file') {
    const embedded =
      p.kind === 'other'
        ? { time: null, reasons: ['unknown file type'] }
        : await readHeaderCaptureTime(files.reader(primary.path), primaryInfo.size);
    captureTime = embedded.time;
    if (!captureTime) {
      captureTime = fileTime(primaryInfo);
      if (p.kind !== 'other') {
        warnings.push({
          code: 'dcim.no-date',
          message: `${primary.path} has no capture date in its metadata (${embedded.reasons.join('; ')}); using the file's ${captureTime?.source === 'file-birth' ? 'creation' : 'modification'} time.`,
          path: primary.path,
        });
      }
    }
  }
  return {
    asset: {
      id: p.id,
      kind: p.kind,
      captureTime,
      flags: { favorite: false, hidden: false, recentlyDeleted: false, iCloudOnly: false },
      originalName: name,
      resources,
    },
    warnings,
    missing,
  };
}

/**
 * The file's own time when its metadata has none (PNG screenshots). The birth time is preferred,
 * unless it is later than the modification time: then the file was copied or restored onto the
 * phone after it was made, and the modification time is the closer one.
 */
function fileTime(info: PhoneFileInfo): Asset['captureTime'] {
  const birth = info.birthtimeMs > 0 ? info.birthtimeMs : Infinity;
  const mtime = info.mtimeMs > 0 ? info.mtimeMs : Infinity;
  if (birth === Infinity && mtime === Infinity) return null;
  return birth <= mtime
    ? { utcMs: birth, offsetMinutes: null, source: 'file-birth' }
    : { utcMs: mtime, offsetMinutes: null, source: 'file-mtime' };
}
