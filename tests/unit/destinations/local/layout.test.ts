import { describe, expect, it } from 'vitest';
import {
  dateFolder,
  groupFileName,
  groupStem,
  UNKNOWN_DATE_FOLDER,
} from '../../../../src/main/destinations/local/layout';
import { nameBytes } from '../../../../src/main/destinations/safe-name';

describe('date folder by local capture date', () => {
  it('uses the offset the photo was taken in, not UTC', () => {
    // 2024-05-31 15:30 UTC is already 1 June 00:30 in Tokyo (+09:00).
    const utcMs = Date.UTC(2024, 4, 31, 15, 30);
    expect(dateFolder({ utcMs, offsetMinutes: 540, source: 'exif' })).toBe('2024/06');
    expect(dateFolder({ utcMs, offsetMinutes: 0, source: 'exif' })).toBe('2024/05');
    // New Year in New York is still December in local time.
    expect(dateFolder({ utcMs: Date.UTC(2025, 0, 1, 2, 0), offsetMinutes: -300, source: 'exif' })).toBe('2024/12');
  });

  it('falls back to the given zone when the capture time has no offset', () => {
    const utcMs = Date.UTC(2024, 4, 31, 23, 0);
    expect(dateFolder({ utcMs, offsetMinutes: null, source: 'file-mtime' }, () => 120)).toBe('2024/06');
    expect(dateFolder({ utcMs, offsetMinutes: null, source: 'file-mtime' }, () => 0)).toBe('2024/05');
  });

  it('puts unknown or impossible dates in "Unknown date"', () => {
    expect(dateFolder(null)).toBe(UNKNOWN_DATE_FOLDER);
    expect(dateFolder({ utcMs: Number.NaN, offsetMinutes: 0, source: 'exif' })).toBe(UNKNOWN_DATE_FOLDER);
    expect(dateFolder({ utcMs: 1e17, offsetMinutes: 0, source: 'exif' })).toBe(UNKNOWN_DATE_FOLDER);
  });
});

describe('names within a group', () => {
  it('gives the still, the Live video and the edit one stem', () => {
    expect(groupFileName('IMG_0005', 'original', '.HEIC')).toBe('IMG_0005.HEIC');
    expect(groupFileName('IMG_0005', 'live-video', '.MOV')).toBe('IMG_0005.MOV');
    expect(groupFileName('IMG_0005', 'edited', '.jpg')).toBe('IMG_0005 (edited).jpg');
    expect(groupFileName(groupStem('IMG_0005', 1), 'edited', '.jpg')).toBe('IMG_0005 (1) (edited).jpg');
    expect(groupFileName('IMG_0005', 'edited', '.jpg', 2)).toBe('IMG_0005 (edited) [2].jpg');
  });

  it('keeps the collision suffix and role tag when a long stem is shortened', () => {
    const stem = groupStem('x'.repeat(400), 3);
    expect(stem.endsWith('x (3)')).toBe(true);
    const name = groupFileName(stem, 'adjustment', '.plist', 12);
    expect(name.endsWith('x (3) (adjustments) [12].plist')).toBe(true);
    expect(nameBytes(name)).toBeLessThanOrEqual(255);
  });
});
