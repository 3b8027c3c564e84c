/**
 * Plans a camera roll: which assets exist, of what kind, when and where they were taken, where
 * their files go, and which special cases they carry. Pure and deterministic: no I/O, only the
 * seed. The writer (generate.ts) turns the plan into files, the database and the manifest.
 */
import type { AssetFlags, AssetKind } from '../../shared/asset';
import type { CameraRollOptions, ManifestCaptureTime } from './manifest';
import { SeededRandom } from './random';

export type StillFormat = 'heic' | 'jpeg' | 'png' | 'dng';
export type VideoFormat = 'mov' | 'mp4';

export interface PlannedAsset {
  pk: number;
  uuid: string;
  kind: AssetKind;
  /** ZKIND: 0 photo, 1 video. */
  zKind: 0 | 1;
  /** ZKINDSUBTYPE: 2 Live, 10 screenshot, 101 slo-mo, 102 time-lapse, 103 screen recording. */
  zKindSubtype: number;
  still: StillFormat | null;
  video: VideoFormat | null;
  /** iPhones write the movie header after the media data; a few files here have it first. */
  moovAtEnd: boolean;
  /** Frames per second the video claims (slo-mo 240, time-lapse 30 of a long real time). */
  fps: number;
  durationS: number;
  /** Where the original lives: the camera folders, or PhotoData/CPLAssets (synced from iCloud). */
  location: 'dcim' | 'cpl';
  /** ZDIRECTORY, ZFILENAME (of the still, or the video for video assets). */
  directory: string;
  fileName: string;
  originalName: string;
  /** Library capture time (ZDATECREATED). */
  capture: ManifestCaptureTime;
  /** Capture time written into the file (differs from `capture` when the date was adjusted). */
  fileCapture: ManifestCaptureTime;
  /** ModifyDate + OffsetTime of stills: later, and in another zone than the capture. */
  modify: ManifestCaptureTime;
  dateAdjusted: boolean;
  addedMs: number;
  trashedMs: number | null;
  flags: AssetFlags;
  edited: boolean;
  burstUuid: string | null;
  burstPick: boolean;
  contentIdentifier: string | null;
  cloudGuid: string | null;
  inWal: boolean;
  /** Which template picture to use, so neighbours look different. */
  palette: number;
}

/** Zones the traveller passes through (minutes east of UTC); the first few are visited first. */
const ZONES = [120, -420, 330, 540, 0, 60, -180, 345, -300, 600];
const HOME_OFFSET = 60;
const ROLL_START_MS = Date.UTC(2022, 0, 3, 8, 0, 0);
const ROLL_SPAN_MS = 900 * 86_400_000;
/** The phone's "now" when the roll is made: the day after the newest capture. */
export const ROLL_NOW_MS = ROLL_START_MS + ROLL_SPAN_MS + 86_400_000;
/** iOS starts a new 1xxAPPLE folder after this many files (verify: seen around 1000). */
const FILES_PER_FOLDER = 1000;

type PhotoSlot = 'heic' | 'jpeg' | 'screenshot' | 'burst' | 'raw' | 'cpl' | 'icloud-only' | 'cpl-icloud-only';
type VideoSlot = 'mov' | 'mov-moov-first' | 'slomo' | 'timelapse' | 'screen-recording';

const REQUIRED_PHOTOS: PhotoSlot[] = [
  'heic',
  'jpeg',
  'screenshot',
  'burst',
  'raw',
  'cpl',
  'icloud-only',
  'cpl-icloud-only',
];
const PHOTO_WEIGHTS: [PhotoSlot, number][] = [
  ['heic', 62],
  ['jpeg', 10],
  ['screenshot', 9],
  ['burst', 4],
  ['raw', 1],
  ['cpl', 7],
  ['icloud-only', 5],
  ['cpl-icloud-only', 2],
];
const REQUIRED_VIDEOS: VideoSlot[] = ['mov', 'screen-recording', 'mov-moov-first', 'slomo', 'timelapse'];
const VIDEO_WEIGHTS: [VideoSlot, number][] = [
  ['mov', 70],
  ['mov-moov-first', 10],
  ['slomo', 7],
  ['timelapse', 5],
  ['screen-recording', 8],
];

type Unit = { type: 'photo'; slot: PhotoSlot; count: number } | { type: 'video'; slot: VideoSlot } | { type: 'live' };

function weighted<T>(rng: SeededRandom, table: [T, number][]): T {
  const total = table.reduce((s, [, w]) => s + w, 0);
  let r = rng.next() * total;
  for (const [item, w] of table) {
    if ((r -= w) < 0) return item;
  }
  return table[0]![0];
}

function photoUnits(rng: SeededRandom, n: number): Unit[] {
  const units: Unit[] = [];
  let left = n;
  const burstSize = () => Math.min(left, rng.int(3, 5));
  for (const slot of REQUIRED_PHOTOS) {
    if (left <= 0) break;
    const count = slot === 'burst' ? burstSize() : 1;
    units.push({ type: 'photo', slot, count });
    left -= count;
  }
  while (left > 0) {
    let slot = weighted(rng, PHOTO_WEIGHTS);
    if (slot === 'burst' && left < 2) slot = 'heic';
    const count = slot === 'burst' ? burstSize() : 1;
    units.push({ type: 'photo', slot, count });
    left -= count;
  }
  return units;
}

function videoUnits(rng: SeededRandom, n: number): Unit[] {
  const units: Unit[] = REQUIRED_VIDEOS.slice(0, n).map((slot) => ({ type: 'video' as const, slot }));
  while (units.length < n) units.push({ type: 'video', slot: weighted(rng, VIDEO_WEIGHTS) });
  return units;
}

const pad4 = (n: number) => String(n).padStart(4, '0');

/** Plans every asset of a roll, in the order they were added to the library (Z_PK order). */
export function planCameraRoll(options: CameraRollOptions): PlannedAsset[] {
  const rng = SeededRandom.derive(options.seed, 'plan');
  const units = rng.shuffle([
    ...photoUnits(rng, options.photos),
    ...videoUnits(rng, options.videos),
    ...Array.from({ length: options.live }, () => ({ type: 'live' as const })),
  ]);

  const assets: PlannedAsset[] = [];
  const meanGap = ROLL_SPAN_MS / Math.max(1, units.length);
  let t = ROLL_START_MS;
  let zoneIndex = 0;
  let zoneLeft = 0;
  for (const unit of units) {
    t += Math.round(meanGap * (0.2 + 1.6 * rng.next()));
    if (zoneLeft-- <= 0) {
      zoneIndex++;
      zoneLeft = rng.int(2, 8);
    }
    const offset = zoneIndex <= ZONES.length ? ZONES[zoneIndex - 1]! : rng.pick(ZONES);
    const count = unit.type === 'photo' ? unit.count : 1;
    const burstUuid = unit.type === 'photo' && unit.slot === 'burst' ? rng.uuid() : null;
    for (let m = 0; m < count; m++) {
      const capture = { utcMs: t + m * 150 + (m === 0 ? 0 : rng.int(0, 40)), offsetMinutes: offset };
      assets.push(baseAsset(rng, unit, capture, burstUuid, m));
    }
  }

  assignSpecialCases(rng, assets, options);
  assignFiles(rng, assets);
  assets.forEach((a, i) => {
    a.pk = i + 1;
  });
  // The newest rows sit only in the WAL (the phone has not checkpointed them yet).
  const walCount = assets.length >= 2 ? Math.max(1, Math.round(assets.length * 0.1)) : 0;
  for (const a of assets.slice(assets.length - walCount)) {
    a.inWal = true;
    // Not yet uploaded to iCloud either.
    if (!a.flags.iCloudOnly && a.location === 'dcim') a.cloudGuid = null;
  }
  return assets;
}

function baseAsset(
  rng: SeededRandom,
  unit: Unit,
  capture: ManifestCaptureTime,
  burstUuid: string | null,
  member: number,
): PlannedAsset {
  const modifyOffset = capture.offsetMinutes === HOME_OFFSET ? 120 : HOME_OFFSET;
  const a: PlannedAsset = {
    pk: 0,
    uuid: rng.uuid(),
    kind: 'photo',
    zKind: 0,
    zKindSubtype: 0,
    still: 'heic',
    video: null,
    moovAtEnd: true,
    fps: 30,
    durationS: 0,
    location: 'dcim',
    directory: '',
    fileName: '',
    originalName: '',
    capture,
    fileCapture: capture,
    modify: { utcMs: capture.utcMs + rng.int(60, 72 * 3600) * 1000, offsetMinutes: modifyOffset },
    dateAdjusted: false,
    addedMs: capture.utcMs + rng.int(1, 20) * 1000,
    trashedMs: null,
    flags: { favorite: false, hidden: false, recentlyDeleted: false, iCloudOnly: false },
    edited: false,
    burstUuid,
    burstPick: burstUuid !== null && member === 0,
    contentIdentifier: null,
    cloudGuid: rng.uuid(),
    inWal: false,
    palette: rng.int(0, 3),
  };
  if (unit.type === 'live') {
    Object.assign(a, { kind: 'live', zKindSubtype: 2, video: 'mov', durationS: 3, contentIdentifier: rng.uuid() });
  } else if (unit.type === 'video') {
    const duration = rng.int(2, 90);
    Object.assign(a, { zKind: 1, still: null, video: 'mov', kind: 'video', durationS: duration });
    if (unit.slot === 'mov-moov-first') a.moovAtEnd = false;
    if (unit.slot === 'slomo') Object.assign(a, { kind: 'slomo', zKindSubtype: 101, fps: 240 });
    if (unit.slot === 'timelapse') Object.assign(a, { kind: 'timelapse', zKindSubtype: 102 });
    if (unit.slot === 'screen-recording') {
      Object.assign(a, { kind: 'screen-recording', zKindSubtype: 103, video: 'mp4', moovAtEnd: false, fps: 60 });
    }
  } else {
    switch (unit.slot) {
      case 'jpeg':
        a.still = 'jpeg';
        break;
      case 'screenshot':
        Object.assign(a, { kind: 'screenshot', zKindSubtype: 10, still: 'png' });
        break;
      case 'burst':
        a.kind = 'burst';
        break;
      case 'raw':
        Object.assign(a, { kind: 'raw', still: 'dng' });
        break;
      case 'cpl':
        Object.assign(a, { location: 'cpl', still: 'jpeg' });
        a.addedMs = a.capture.utcMs + rng.int(1, 30) * 86_400_000;
        break;
      case 'cpl-icloud-only':
        Object.assign(a, { location: 'cpl', still: 'jpeg' });
        a.flags.iCloudOnly = true;
        break;
      case 'icloud-only':
        a.flags.iCloudOnly = true;
        break;
      case 'heic':
        break;
    }
  }
  return a;
}

/** Gives every special case at least one asset, then sprinkles the flags at realistic rates. */
function assignSpecialCases(rng: SeededRandom, assets: PlannedAsset[], options: CameraRollOptions): void {
  const localCameraStill = (a: PlannedAsset) =>
    a.location === 'dcim' &&
    !a.flags.iCloudOnly &&
    (a.still === 'heic' || a.still === 'jpeg') &&
    a.kind !== 'live' &&
    a.kind !== 'burst';
  const taken = new Set<PlannedAsset>();
  const first = (pred: (a: PlannedAsset) => boolean) => {
    // Spread the forced cases through the roll instead of bunching them at its start.
    const candidates = assets.filter((a) => pred(a) && !taken.has(a));
    const chosen = candidates.length ? candidates[rng.int(0, candidates.length - 1)] : undefined;
    if (chosen) taken.add(chosen);
    return chosen;
  };
  const edit = (a?: PlannedAsset) => a && (a.edited = true);
  const adjustDate = (a?: PlannedAsset) => {
    if (!a) return;
    a.dateAdjusted = true;
    // The user moved the date back (a scanned print, a wrong camera clock): only the library knows.
    a.capture = {
      utcMs: a.fileCapture.utcMs - rng.int(1, 400) * 86_400_000 - rng.int(0, 86_399) * 1000,
      offsetMinutes: a.fileCapture.offsetMinutes,
    };
  };

  edit(first(localCameraStill));
  edit(first((a) => a.kind === 'live'));
  edit(first((a) => a.kind === 'video' && a.moovAtEnd));
  adjustDate(first(localCameraStill));
  adjustDate(first(localCameraStill));
  const fav = first((a) => a.location === 'dcim' && !a.flags.iCloudOnly);
  if (fav) fav.flags.favorite = true;
  const hidden = first((a) => a.location === 'dcim' && !a.flags.iCloudOnly);
  if (hidden) hidden.flags.hidden = true;
  const trashed = first((a) => a.location === 'dcim' && !a.flags.iCloudOnly && a.kind !== 'burst');
  if (trashed) trashed.flags.recentlyDeleted = true;

  for (const a of assets) {
    if (taken.has(a)) continue;
    if (rng.chance(0.05)) a.flags.favorite = true;
    if (rng.chance(0.01)) a.flags.hidden = true;
    const local = a.location === 'dcim' && !a.flags.iCloudOnly;
    if (local && rng.chance(0.01)) a.flags.recentlyDeleted = true;
    if (local && a.kind !== 'burst' && a.kind !== 'screenshot' && a.kind !== 'raw' && rng.chance(0.04)) a.edited = true;
    if (localCameraStill(a) && rng.chance(0.005)) adjustDate(a);
  }
  for (const a of assets) {
    if (a.flags.recentlyDeleted) a.trashedMs = ROLL_NOW_MS - rng.int(1, 29) * 86_400_000 - rng.int(0, 86_399) * 1000;
  }
  void options;
}

function extensionOf(a: PlannedAsset): string {
  if (a.still === 'heic') return 'HEIC';
  if (a.still === 'jpeg') return 'JPG';
  if (a.still === 'png') return 'PNG';
  if (a.still === 'dng') return 'DNG';
  return a.video === 'mp4' ? 'MP4' : 'MOV';
}

/**
 * Names files as the camera does. The IMG_nnnn counter runs across folders, a new 1xxAPPLE folder
 * starts every FILES_PER_FOLDER files, and once, when 101APPLE starts, the counter restarts at 1
 * (a phone restored from a backup): so the same names appear in 100APPLE and 101APPLE with
 * different content, even in small rolls. Later wraps past 9999 add more repeats.
 */
function assignFiles(rng: SeededRandom, assets: PlannedAsset[]): void {
  const camera = assets.filter((a) => a.location === 'dcim');
  const firstFolderSize = Math.max(1, Math.min(FILES_PER_FOLDER, Math.ceil(camera.length / 2)));
  let counter = 0;
  camera.forEach((a, i) => {
    const folder = i < firstFolderSize ? 0 : 1 + Math.floor((i - firstFolderSize) / FILES_PER_FOLDER);
    if (i === firstFolderSize) counter = 0;
    counter = (counter % 9999) + 1;
    a.directory = `DCIM/${100 + folder}APPLE`;
    a.fileName = `IMG_${pad4(counter)}.${extensionOf(a)}`;
    a.originalName = a.fileName;
    if (a.kind === 'screen-recording') a.originalName = `RPReplay_Final${Math.floor(a.capture.utcMs / 1000)}.MP4`;
  });
  for (const a of assets) {
    if (a.location !== 'cpl') continue;
    a.directory = `CPLAssets/group${rng.int(1, 999)}`;
    a.fileName = `${a.uuid}.JPG`;
    a.originalName = `IMG_${pad4(rng.int(1, 9999))}.JPG`;
  }
}
