import exifr from 'exifr';
import type { ExifTool } from 'exiftool-vendored';
import type { CaptureTime } from '../../shared/asset';
import { parseExifDateTime, parseExifOffset, parseIsoWithZone, wallClockAsUtc } from './date-strings';
import { readHeifExif } from './heif-exif';
import { type QuickTimeDates, readQuickTimeDates } from './quicktime';
import { type RandomAccessReader, headFirstReader } from './random-access';

/**
 * The capture time of a file, and why the rules before the one that answered gave nothing.
 * `time` is null (never an exception) for garbage, missing dates and unknown types.
 */
export interface CaptureTimeResult {
  time: CaptureTime | null;
  reasons: string[];
}

/** The date Photos.sqlite holds (ZDATECREATED; the zone from ZADDITIONALASSETATTRIBUTES when known). */
export interface LibraryDate {
  utcMs: number;
  offsetMinutes: number | null;
}

export interface CaptureTimeInputs {
  /** Ranged reads of the file (AFC on the phone, a file handle locally). */
  read: RandomAccessReader;
  size: number;
  /** The photo library's date for the asset: it holds dates the user adjusted on the phone. */
  libraryDate?: LibraryDate | null;
  /** The file's birth time on the phone (AFC `st_birthtime`), ms. */
  birthTimeMs?: number | null;
  /** The file's modification time, ms: the last resort. */
  mtimeMs?: number | null;
}

export type MediaType = 'jpeg' | 'heif' | 'png' | 'quicktime' | 'unknown';

/** How much of a JPEG/PNG exifr sees: EXIF sits in the first segments (an APP1 is ≤ 64 KiB). */
const HEADER_BYTES = 64 * 1024;

/** Tells the container from the first bytes (never from the name: names lie). */
export function sniffMediaType(head: Buffer): MediaType {
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
  if (head.length >= 8 && head.readUInt32BE(0) === 0x89504e47 && head.readUInt32BE(4) === 0x0d0a1a0a) return 'png';
  if (head.length >= 12) {
    const type = head.toString('latin1', 4, 8);
    if (type === 'ftyp') {
      const brand = head.toString('latin1', 8, 12);
      if (['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'mif1', 'msf1', 'avif'].includes(brand)) return 'heif';
      return 'quicktime';
    }
    // Old QuickTime files may start straight with a movie-level box.
    if (['moov', 'mdat', 'wide', 'free', 'skip', 'pnot'].includes(type)) return 'quicktime';
  }
  return 'unknown';
}

/**
 * The capture time, by these rules, first answer wins:
 * 1. the library's date (dates adjusted on the phone live only there); its zone when the library
 *    has one, else the file's own offset (adjusting a date keeps the zone it was taken in);
 * 2. the file's own metadata: EXIF DateTimeOriginal + OffsetTimeOriginal (stills),
 *    `com.apple.quicktime.creationdate` with its zone, else the UTC movie header time (videos);
 * 3. the file's birth time, then its modification time (PNG screenshots often have no date).
 */
export async function resolveCaptureTime(inputs: CaptureTimeInputs): Promise<CaptureTimeResult> {
  const reasons: string[] = [];
  const lib = inputs.libraryDate;
  const libraryUsable = lib && Number.isFinite(lib.utcMs) && lib.utcMs > 0;
  if (lib && !libraryUsable) reasons.push('the library date is not a valid time');
  if (libraryUsable && lib.offsetMinutes !== null) {
    return { time: { utcMs: lib.utcMs, offsetMinutes: lib.offsetMinutes, source: 'library' }, reasons };
  }

  const embedded = await readEmbeddedCaptureTime(inputs.read, inputs.size);
  if (libraryUsable) {
    return {
      time: { utcMs: lib.utcMs, offsetMinutes: embedded.time?.offsetMinutes ?? null, source: 'library' },
      reasons,
    };
  }
  if (embedded.time) return { time: embedded.time, reasons: [...reasons, ...embedded.reasons] };
  reasons.push(...embedded.reasons, 'no library date');

  if (typeof inputs.birthTimeMs === 'number' && inputs.birthTimeMs > 0) {
    return { time: { utcMs: inputs.birthTimeMs, offsetMinutes: null, source: 'file-birth' }, reasons };
  }
  reasons.push('no file birth time');
  if (typeof inputs.mtimeMs === 'number' && inputs.mtimeMs > 0) {
    return { time: { utcMs: inputs.mtimeMs, offsetMinutes: null, source: 'file-mtime' }, reasons };
  }
  reasons.push('no file modification time');
  return { time: null, reasons };
}

/** The capture time written inside the file, through header-only ranged reads. */
export async function readEmbeddedCaptureTime(read: RandomAccessReader, size: number): Promise<CaptureTimeResult> {
  try {
    const head = await read(0, Math.min(size, HEADER_BYTES));
    const type = sniffMediaType(head);
    const rest = headFirstReader(head, read);
    switch (type) {
      case 'jpeg':
      case 'png':
        return captureTimeFromExif(await parseExif(head), type.toUpperCase());
      case 'heif': {
        const tiff = await readHeifExif(rest, size);
        if (!tiff) return { time: null, reasons: ['the HEIF file has no EXIF item'] };
        return captureTimeFromExif(await parseExif(tiff), 'HEIF');
      }
      case 'quicktime':
        return captureTimeFromQuickTime(await readQuickTimeDates(rest, size));
      default:
        return { time: null, reasons: ['not a JPEG, HEIF, PNG or QuickTime/MP4 file'] };
    }
  } catch (error) {
    return { time: null, reasons: [`unreadable metadata: ${error instanceof Error ? error.message : String(error)}`] };
  }
}

/** The capture-time EXIF tags of a TIFF/EXIF block (or a file head), as raw strings. */
export async function parseExif(data: Buffer): Promise<Record<string, unknown>> {
  // reviveValues: false keeps the raw strings: exifr's own date conversion ignores
  // OffsetTimeOriginal and reads the wall clock in this computer's zone.
  const tags: unknown = await exifr.parse(data, {
    reviveValues: false,
    pick: [
      'DateTimeOriginal',
      'OffsetTimeOriginal',
      'SubSecTimeOriginal',
      'CreateDate',
      'OffsetTimeDigitized',
      'SubSecTimeDigitized',
    ],
  });
  return tags && typeof tags === 'object' ? (tags as Record<string, unknown>) : {};
}

/**
 * EXIF tags (raw strings, exifr names) → capture time. DateTimeOriginal pairs with
 * OffsetTimeOriginal only: `OffsetTime` belongs to ModifyDate, and mixing them is a classic
 * source of dates shifted by hours. DateTimeDigitized (exifr: CreateDate) with its own offset is
 * the fallback. Without an offset the wall clock is read in this computer's zone and the offset
 * is null ("floating", shown in the viewer's zone).
 */
export function captureTimeFromExif(tags: Record<string, unknown>, what = 'the file'): CaptureTimeResult {
  const pairs = [
    ['DateTimeOriginal', 'OffsetTimeOriginal', 'SubSecTimeOriginal'],
    ['CreateDate', 'OffsetTimeDigitized', 'SubSecTimeDigitized'],
  ] as const;
  const reasons: string[] = [];
  for (const [dateTag, offsetTag, subSecTag] of pairs) {
    if (tags[dateTag] === undefined) continue;
    const wall = parseExifDateTime(tags[dateTag], tags[subSecTag]);
    if (!wall) {
      reasons.push(`${what}: ${dateTag} "${String(tags[dateTag])}" is not a date`);
      continue;
    }
    const offsetMinutes = parseExifOffset(tags[offsetTag]);
    const utcMs =
      offsetMinutes === null
        ? new Date(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second, wall.millisecond).getTime()
        : wallClockAsUtc(wall) - offsetMinutes * 60_000;
    return { time: { utcMs, offsetMinutes, source: 'exif' }, reasons };
  }
  reasons.push(`${what} has no EXIF capture date`);
  return { time: null, reasons };
}

/**
 * QuickTime dates → capture time: the Apple creation date carries the local zone; the movie
 * header's creation time is UTC with no zone (offset null).
 */
export function captureTimeFromQuickTime(
  dates: Pick<QuickTimeDates, 'creationDate' | 'movieCreatedUtcMs'>,
): CaptureTimeResult {
  const reasons: string[] = [];
  if (dates.creationDate !== null) {
    const parsed = parseIsoWithZone(dates.creationDate);
    if (parsed) return { time: { ...parsed, source: 'quicktime' }, reasons };
    reasons.push(`the QuickTime creation date "${dates.creationDate}" has no usable date and zone`);
  } else {
    reasons.push('the movie has no QuickTime creation date');
  }
  if (dates.movieCreatedUtcMs !== null) {
    return { time: { utcMs: dates.movieCreatedUtcMs, offsetMinutes: null, source: 'movie-header' }, reasons };
  }
  reasons.push('the movie header has no creation time');
  return { time: null, reasons };
}

/**
 * The same rules over a whole local file with exiftool (the authoritative reader, ~3–4 ms a
 * file), for files already on this computer (a backup destination, an import folder). The
 * caller owns the ExifTool instance and ends it.
 */
export async function readCaptureTimeWithExifTool(exiftool: ExifTool, file: string): Promise<CaptureTimeResult> {
  let tags: Record<string, unknown>;
  try {
    tags = (await exiftool.readRaw(file, {
      readArgs: [
        '-G1',
        '-DateTimeOriginal',
        '-OffsetTimeOriginal',
        '-SubSecTimeOriginal',
        '-CreateDate',
        '-OffsetTimeDigitized',
        '-Keys:CreationDate',
      ],
    })) as Record<string, unknown>;
  } catch (error) {
    return {
      time: null,
      reasons: [`exiftool could not read the file: ${error instanceof Error ? error.message : String(error)}`],
    };
  }
  const pick = (...names: string[]) => names.map((n) => tags[n]).find((v) => v !== undefined);
  const keysDate = pick('Keys:CreationDate', 'ItemList:CreationDate', 'UserData:CreationDate');
  const movieDate = pick('QuickTime:CreateDate');
  if (keysDate !== undefined || movieDate !== undefined) {
    const wall = parseExifDateTime(movieDate);
    return captureTimeFromQuickTime({
      // exiftool prints "2023:07:14 18:30:05+02:00"; the Apple string is ISO 8601.
      creationDate: typeof keysDate === 'string' ? keysDate.replace(/^(\d{4}):(\d{2}):(\d{2}) /, '$1-$2-$3T') : null,
      movieCreatedUtcMs: wall ? wallClockAsUtc(wall) : null,
    });
  }
  // exiftool writes SubSecTimeOriginal "050" as the number 50: only a string keeps its digits.
  const subSec = pick('ExifIFD:SubSecTimeOriginal');
  return captureTimeFromExif(
    {
      DateTimeOriginal: pick('ExifIFD:DateTimeOriginal'),
      OffsetTimeOriginal: pick('ExifIFD:OffsetTimeOriginal'),
      SubSecTimeOriginal: typeof subSec === 'string' ? subSec : undefined,
      CreateDate: pick('ExifIFD:CreateDate'),
      OffsetTimeDigitized: pick('ExifIFD:OffsetTimeDigitized'),
    },
    String(file.split(/[\\/]/).pop()),
  );
}
