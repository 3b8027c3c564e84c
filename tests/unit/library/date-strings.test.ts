import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseExifDateTime, parseExifOffset, parseIsoWithZone } from '../../../src/main/library/date-strings';

describe('date strings', () => {
  it('parses EXIF date-times with sub-seconds and refuses impossible ones', () => {
    expect(parseExifDateTime('2023:07:14 18:30:05', '05')).toEqual({
      year: 2023,
      month: 7,
      day: 14,
      hour: 18,
      minute: 30,
      second: 5,
      millisecond: 50,
    });
    for (const bad of [
      '0000:00:00 00:00:00',
      '2023:02:30 10:00:00',
      '2023:13:01 10:00:00',
      '    :  :     :  :  ',
      '',
      'garbage',
      12,
    ]) {
      expect(parseExifDateTime(bad)).toBeNull();
    }
  });

  it('parses offsets and refuses ones no zone has', () => {
    expect(parseExifOffset('+02:00')).toBe(120);
    expect(parseExifOffset('-09:30')).toBe(-570);
    expect(parseExifOffset('+05:45')).toBe(345);
    for (const bad of ['+25:00', '02:00', '+02:75', '   ', undefined, 2]) expect(parseExifOffset(bad)).toBeNull();
  });

  it('parses ISO 8601 with a zone in Apple’s and other spellings; without a zone it is null', () => {
    const instant = Date.parse('2023-07-14T16:30:05Z');
    expect(parseIsoWithZone('2023-07-14T18:30:05+0200')).toEqual({ utcMs: instant, offsetMinutes: 120 });
    expect(parseIsoWithZone('2023-07-14T18:30:05+02:00')).toEqual({ utcMs: instant, offsetMinutes: 120 });
    expect(parseIsoWithZone('2023-07-14T16:30:05Z')).toEqual({ utcMs: instant, offsetMinutes: 0 });
    expect(parseIsoWithZone('2023-07-14T16:30:05.5Z')).toEqual({ utcMs: instant + 500, offsetMinutes: 0 });
    expect(parseIsoWithZone('2023-07-14T18:30:05')).toBeNull();
  });

  it('round-trips any instant and real offset through Apple’s format', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(1950, 0, 1) / 1000, max: Date.UTC(2150, 0, 1) / 1000 }),
        fc.integer({ min: -12 * 4, max: 14 * 4 }),
        (seconds, quarters) => {
          const offset = quarters * 15;
          const local = new Date(seconds * 1000 + offset * 60_000).toISOString().slice(0, 19);
          const sign = offset < 0 ? '-' : '+';
          const abs = Math.abs(offset);
          const zone = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
          expect(parseIsoWithZone(`${local}${zone}`)).toEqual({ utcMs: seconds * 1000, offsetMinutes: offset });
        },
      ),
    );
  });
});
