/**
 * Where a file goes in a local backup folder:
 *
 *   <root>/2024/05/IMG_0005.HEIC            the original (folder = *local* capture year and month)
 *   <root>/2024/05/IMG_0005.MOV             the Live Photo's video: same stem, side by side
 *   <root>/2024/05/IMG_0005 (edited).jpg    the edit (FullSizeRender.jpg): same stem plus a tag
 *   <root>/2024/05/IMG_0005 (1).HEIC        a different photo also called IMG_0005: the whole
 *   <root>/2024/05/IMG_0005 (1).MOV         group moves to the next free stem together
 *   <root>/Unknown date/…                   no capture time at all
 *
 * Edits get ` (edited)` rather than Image Capture's `IMG_E0005.JPG`: the tag works for any stem
 * (`Screenshot 2024-05-01.png`, a renamed import), sorts right beside its original, and says
 * what it is in any language a user reads file names in.
 */
import type { CaptureTime, ResourceRole } from '../../../shared/asset';
import { composeName, MAX_NAME_BYTES } from '../safe-name';

export const UNKNOWN_DATE_FOLDER = 'Unknown date';

/** Offset (minutes east of UTC) to assume when the capture time carries none: the viewer's zone. */
export type DefaultOffset = (utcMs: number) => number;

export const systemOffset: DefaultOffset = (utcMs) => -new Date(utcMs).getTimezoneOffset();

/**
 * `YYYY/MM` of the capture's local date: a photo taken at 00:30 on 1 June in Tokyo is in June,
 * even though it was still May in UTC.
 */
export function dateFolder(captureTime: CaptureTime | null, defaultOffset: DefaultOffset = systemOffset): string {
  if (!captureTime || !Number.isFinite(captureTime.utcMs)) return UNKNOWN_DATE_FOLDER;
  const offset = captureTime.offsetMinutes ?? defaultOffset(captureTime.utcMs);
  const local = new Date(captureTime.utcMs + offset * 60_000);
  const year = local.getUTCFullYear();
  if (!Number.isFinite(year) || year < 1 || year > 9999) return UNKNOWN_DATE_FOLDER;
  const month = local.getUTCMonth() + 1;
  return `${String(year).padStart(4, '0')}/${String(month).padStart(2, '0')}`;
}

/** The tag a role adds after the stem. Original and Live video differ by extension alone. */
export function roleTag(role: ResourceRole): string {
  switch (role) {
    case 'original':
    case 'live-video':
      return '';
    case 'edited':
      return ' (edited)';
    case 'adjustment':
      return ' (adjustments)';
    case 'other':
      return ' (other)';
  }
}

/**
 * Room a group's stem leaves for what follows it: the longest role tag with a duplicate number
 * (` (adjustments) [99]`, 19 bytes) plus the longest extension we keep (17 bytes), rounded up.
 */
const ROOM_FOR_TAG_AND_EXTENSION = 40;

/**
 * The stem every file of a group shares: the safe base stem plus ` (n)` when plain `base` is
 * taken by a different asset. Shortened here, once, so the suffix is never cut off later.
 */
export function groupStem(baseStem: string, collision: number): string {
  const suffix = collision === 0 ? '' : ` (${collision})`;
  return composeName(baseStem, suffix, '', MAX_NAME_BYTES - ROOM_FOR_TAG_AND_EXTENSION);
}

/**
 * The file name for one file of a group. `duplicate` (≥ 2) separates two files of one group with
 * the same role and extension, which a normal library never has but a hostile one might.
 */
export function groupFileName(stem: string, role: ResourceRole, extension: string, duplicate = 0): string {
  const suffix = roleTag(role) + (duplicate >= 2 ? ` [${duplicate}]` : '');
  return composeName(stem, suffix, extension);
}
