/**
 * The manifest of a generated camera roll: the truth that scanner, backup and erase tests compare
 * against. `rollkeeper make-camera-roll DIR` writes it as `DIR/rollkeeper-manifest.json` (outside
 * DCIM and PhotoData, so no scanner mistakes it for media).
 *
 * Two views of each asset are recorded, because they differ on a real phone:
 * - the **library view** (Photos.sqlite): uuid, kind, capture time as the library has it (a date
 *   the user adjusted on the phone lives only here), flags, every resource;
 * - the **DCIM view** (`dcim`): what a scanner that only lists DCIM can know: which files, and the
 *   capture time it would read from the file itself (EXIF DateTimeOriginal + OffsetTimeOriginal,
 *   or QuickTime creationdate). `null` when the asset has no file in DCIM (iCloud-only originals,
 *   originals synced from iCloud into PhotoData/CPLAssets).
 */
import type { AssetFlags, AssetKind, ResourceRole } from '../../shared/asset';

export const MANIFEST_FORMAT = 'rollkeeper-camera-roll';
export const MANIFEST_VERSION = 1;
/** File name of the manifest inside the roll's folder. */
export const MANIFEST_FILE_NAME = 'rollkeeper-manifest.json';

export type RollSize = 'tiny' | 'real';
/** `ZASSET` (iOS 14 and later) or the older `ZGENERICASSET` (up to iOS 13). */
export type LibrarySchema = 'ios14' | 'ios13';

/** The options a roll was made with; the same options and seed give the same bytes. */
export interface CameraRollOptions {
  seed: string;
  /** Still assets (HEIC, JPEG, PNG screenshots, bursts, RAW, iCloud). */
  photos: number;
  /** Video assets (MOV, slo-mo, time-lapse, MP4 screen recordings). */
  videos: number;
  /** Live Photos (a HEIC and a MOV with the same base name). */
  live: number;
  size: RollSize;
  schema: LibrarySchema;
  /** Target size of one video in `real` rolls, bytes (Live Photo videos are a tenth of it). */
  realVideoBytes: number;
}

/** A capture time: the instant, and the zone offset the camera was in. */
export interface ManifestCaptureTime {
  /** Milliseconds since the Unix epoch, UTC. */
  utcMs: number;
  /** Minutes east of UTC (e.g. 120 for +02:00, -420 for -07:00, 330 for +05:30). */
  offsetMinutes: number;
}

/** One file written for an asset. */
export interface ManifestFile {
  /** Path relative to the roll's folder (the phone's /var/mobile/Media), `/`-separated. */
  path: string;
  size: number;
  /** Lower-case hex SHA-256 of the whole file. */
  sha256: string;
  /** The file's modification time as written, ms since the epoch. */
  mtimeMs: number;
}

export interface ManifestResource extends ManifestFile {
  role: ResourceRole;
}

/** What a scanner that only lists and reads DCIM can know about an asset. */
export interface DcimView {
  /** The asset's files in DCIM (the still first, then a Live Photo's video). */
  paths: string[];
  /**
   * The capture time in the file's own metadata: EXIF DateTimeOriginal + OffsetTimeOriginal for
   * stills, `com.apple.quicktime.creationdate` for videos; `null` for files without one (PNG
   * screenshots). Differs from the library's when the user adjusted the date on the phone.
   */
  captureTime: (ManifestCaptureTime & { source: 'exif' | 'quicktime' }) | null;
}

export interface ManifestAsset {
  /** ZASSET.ZUUID. */
  uuid: string;
  /** ZASSET.Z_PK. */
  pk: number;
  kind: AssetKind;
  /** The capture time as the library has it (ZDATECREATED + ZTIMEZONEOFFSET). */
  captureTime: ManifestCaptureTime;
  /** True when the user changed the date on the phone: library and file disagree. */
  dateAdjusted: boolean;
  /** ZADDEDDATE, ms since the epoch. */
  addedMs: number;
  /** ZTRASHEDDATE for assets in Recently Deleted, else null. */
  trashedMs: number | null;
  flags: AssetFlags;
  /** ZADDITIONALASSETATTRIBUTES.ZORIGINALFILENAME. */
  originalName: string;
  /** ZASSET.ZDIRECTORY and ZFILENAME (for CPL assets the directory is relative to PhotoData). */
  directory: string;
  fileName: string;
  width: number;
  height: number;
  /** Seconds, for videos and Live Photo videos; 0 for stills. */
  durationS: number;
  /** ZAVALANCHEUUID: members of one burst share it. */
  burstUuid: string | null;
  /** Live Photo content identifier, in the still's Apple MakerNote and the MOV's metadata. */
  contentIdentifier: string | null;
  /** The asset's row was written after the last checkpoint: it is only in Photos.sqlite-wal. */
  inWal: boolean;
  /** Files that belong to the asset, on the phone. Empty for iCloud-only assets. */
  resources: ManifestResource[];
  /** Device-made thumbnails under PhotoData/Thumbnails/V2 (not resources: never backed up). */
  thumbnails: ManifestFile[];
  dcim: DcimView | null;
}

export interface CameraRollManifest {
  format: typeof MANIFEST_FORMAT;
  version: typeof MANIFEST_VERSION;
  options: CameraRollOptions;
  /** The library database and its WAL companions, relative to the roll's folder. */
  library: { path: string; table: 'ZASSET' | 'ZGENERICASSET'; files: ManifestFile[] };
  totals: { assets: number; files: number; bytes: number; byKind: Partial<Record<AssetKind, number>> };
  assets: ManifestAsset[];
}
