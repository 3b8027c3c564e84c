import type { Asset, CaptureTime } from '../../../src/shared/asset';

/** A plain photo asset for catalog tests; override what the test is about. */
export function makeAsset(id: string, overrides: Partial<Asset> = {}): Asset {
  const name = `${id.replace(/[^A-Za-z0-9]/g, '_')}.HEIC`;
  return {
    id,
    kind: 'photo',
    captureTime: { utcMs: Date.UTC(2024, 5, 1, 12, 0, 0), offsetMinutes: 120, source: 'exif' },
    flags: { favorite: false, hidden: false, recentlyDeleted: false, iCloudOnly: false },
    originalName: name,
    resources: [{ role: 'original', path: `DCIM/100APPLE/${name}`, size: 1000, mtimeMs: 1_700_000_000_000 }],
    ...overrides,
  };
}

/** A capture time given as local wall-clock parts plus the offset (minutes east of UTC). */
export function localTime(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  offsetMinutes: number,
): CaptureTime {
  return {
    utcMs: Date.UTC(year, month - 1, day, hour, minute) - offsetMinutes * 60_000,
    offsetMinutes,
    source: 'exif',
  };
}

/** A fake SHA-256 (64 hex digits) derived from a label. */
export function sha(label: string): string {
  let hex = '';
  for (const ch of label) hex += ch.charCodeAt(0).toString(16).padStart(2, '0');
  return hex.padEnd(64, '0').slice(0, 64);
}
