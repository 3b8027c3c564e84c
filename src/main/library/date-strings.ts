/**
 * Parsers for the date strings found in photo and video metadata. They return null for anything
 * malformed or out of range: a garbage date must fall through to the next rule, not become
 * "1 January 1970".
 */

/** A calendar date and time with no zone: what a camera's clock showed. */
export interface WallClock {
  year: number;
  month: number; // 1–12
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

/** The wall clock read as if it were UTC (add nothing, subtract the offset to get the instant). */
export function wallClockAsUtc(w: WallClock): number {
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, w.millisecond);
}

/**
 * EXIF `DateTimeOriginal`: "YYYY:MM:DD HH:MM:SS" (EXIF 2.32 §4.6.5), with `SubSecTimeOriginal`
 * digits as a fraction of a second. Cameras write "0000:00:00 00:00:00" or blanks when unset.
 */
export function parseExifDateTime(value: unknown, subSeconds?: unknown): WallClock | null {
  if (typeof value !== 'string') return null;
  const m = /^\s*(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(value);
  if (!m) return null;
  const sub = typeof subSeconds === 'string' || typeof subSeconds === 'number' ? String(subSeconds).trim() : '';
  const millisecond = /^\d+$/.test(sub) ? Math.floor(Number(`0.${sub}`) * 1000) : 0;
  return checkWallClock({
    year: +m[1]!,
    month: +m[2]!,
    day: +m[3]!,
    hour: +m[4]!,
    minute: +m[5]!,
    second: +m[6]!,
    millisecond,
  });
}

/** EXIF `OffsetTimeOriginal`: "+HH:MM" / "-HH:MM" → minutes east of UTC, else null. */
export function parseExifOffset(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const m = /^\s*([+-])(\d{2}):?(\d{2})\s*$/.exec(value);
  if (!m) return null;
  return zoneMinutes(m[1]!, m[2]!, m[3]!);
}

/**
 * ISO 8601 with a zone, as Apple writes `com.apple.quicktime.creationdate`:
 * "2023-07-14T18:30:05+0200" (also "+02:00", "Z", fractional seconds). Without a zone the
 * instant is unknown, so null.
 */
export function parseIsoWithZone(value: unknown): { utcMs: number; offsetMinutes: number } | null {
  if (typeof value !== 'string') return null;
  const m = /^\s*(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(Z|([+-])(\d{2}):?(\d{2}))\s*$/.exec(
    value,
  );
  if (!m) return null;
  const wall = checkWallClock({
    year: +m[1]!,
    month: +m[2]!,
    day: +m[3]!,
    hour: +m[4]!,
    minute: +m[5]!,
    second: m[6] ? +m[6] : 0,
    millisecond: m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0,
  });
  if (!wall) return null;
  const offsetMinutes = m[8] === 'Z' ? 0 : zoneMinutes(m[9]!, m[10]!, m[11]!);
  if (offsetMinutes === null) return null;
  return { utcMs: wallClockAsUtc(wall) - offsetMinutes * 60_000, offsetMinutes };
}

function zoneMinutes(sign: string, hh: string, mm: string): number | null {
  const minutes = +hh * 60 + +mm;
  // Real zones run from -12:00 to +14:00.
  if (+mm >= 60 || minutes > 14 * 60) return null;
  return sign === '-' ? -minutes : minutes;
}

function checkWallClock(w: WallClock): WallClock | null {
  if (
    w.year < 1900 ||
    w.year > 2200 ||
    w.month < 1 ||
    w.month > 12 ||
    w.day < 1 ||
    w.hour > 23 ||
    w.minute > 59 ||
    w.second > 60
  ) {
    return null;
  }
  const probe = new Date(Date.UTC(w.year, w.month - 1, w.day));
  if (probe.getUTCDate() !== w.day) return null; // 31 February and friends
  return w;
}
