/**
 * The asset model: what the user sees as one item in Photos. Plain data, shared by the engine,
 * the contract and the renderer.
 */

export type AssetKind =
  'photo' | 'video' | 'live' | 'screenshot' | 'slomo' | 'timelapse' | 'screen-recording' | 'burst' | 'raw' | 'other';

/** The role a file plays inside an asset. */
export type ResourceRole =
  | 'original' // the still or the video as taken
  | 'live-video' // the MOV half of a Live Photo
  | 'edited' // FullSizeRender.jpg / .mov under PhotoData/Mutations
  | 'adjustment' // the adjustment data beside an edit
  | 'other';

/**
 * A capture time as the user understands it: the instant, plus the UTC offset the camera was in.
 * `offsetMinutes` is null when the source says nothing about the zone (then local display uses
 * the viewer's zone).
 */
export interface CaptureTime {
  /** Milliseconds since the Unix epoch, UTC. */
  utcMs: number;
  /** Minutes east of UTC at the place and time of capture (e.g. +120 for CEST), or null. */
  offsetMinutes: number | null;
  /** Where the time came from, so a wrong date can be explained. */
  source: 'library' | 'exif' | 'quicktime' | 'movie-header' | 'file-birth' | 'file-mtime';
}

export interface AssetFlags {
  favorite: boolean;
  hidden: boolean;
  /** In "Recently Deleted" on the phone: the files are still there. */
  recentlyDeleted: boolean;
  /** The full-resolution original is only in iCloud, not on the phone. */
  iCloudOnly: boolean;
}

export interface ResourceOnDevice {
  role: ResourceRole;
  /** AFC path relative to the media root, e.g. `DCIM/100APPLE/IMG_0001.HEIC`. */
  path: string;
  size: number;
  /** Modification time on the phone, ms since the epoch. */
  mtimeMs: number;
  /**
   * SHA-256 of the bytes, lowercase hex, once hashed (a scanner leaves it out; the backup fills
   * it in). The catalog merges the same photo across phones and the account by this hash.
   */
  sha256?: string;
}

export interface Asset {
  /** Stable id: the library's ZUUID when known, else derived from the original's path. */
  id: string;
  kind: AssetKind;
  captureTime: CaptureTime | null;
  flags: AssetFlags;
  /** The file name the user would recognise (ZORIGINALFILENAME or the DCIM name). */
  originalName: string;
  resources: ResourceOnDevice[];
}

/**
 * The state of one file's copy on one destination (the state machine is in
 * main/catalog/copy-state.ts): `verified` means written, read back and hashed equal.
 */
export type CopyState = 'unknown' | 'copying' | 'copied' | 'verified' | 'failed' | 'missing';
