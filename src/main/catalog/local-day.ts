import type { CaptureTime } from '../../shared/asset';

/**
 * The calendar day the user remembers for a capture, as yyyymmdd: the date at UTC + the offset
 * the camera was in. A photo taken at 23:30 in New York on 4 July is on 4 July, not 5 July
 * (the UTC date). Without an offset the time is "floating": it is shown in the viewer's zone,
 * so it is bucketed by this computer's zone.
 */
export function localDayOf(time: Pick<CaptureTime, 'utcMs' | 'offsetMinutes'>): number {
  if (time.offsetMinutes === null) {
    const d = new Date(time.utcMs);
    return d.getFullYear() * 10000 + (d.getMonth() + 1) * 100 + d.getDate();
  }
  const d = new Date(time.utcMs + time.offsetMinutes * 60_000);
  return d.getUTCFullYear() * 10000 + (d.getUTCMonth() + 1) * 100 + d.getUTCDate();
}

/** yyyymmdd for a calendar date (month 1–12). */
export function dayNumber(year: number, month: number, day: number): number {
  return year * 10000 + month * 100 + day;
}

/** The first and last yyyymmdd of a month (month 1–12), for month-sized timeline ranges. */
export function monthRange(year: number, month: number): { fromDay: number; toDay: number } {
  return { fromDay: dayNumber(year, month, 1), toDay: dayNumber(year, month, 31) };
}
