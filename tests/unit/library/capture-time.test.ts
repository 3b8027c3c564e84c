import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ExifTool } from 'exiftool-vendored';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CaptureTimeInputs,
  readCaptureTimeWithExifTool,
  readEmbeddedCaptureTime,
  resolveCaptureTime,
  sniffMediaType,
} from '../../../src/main/library/capture-time';
import { bufferReader, type RandomAccessReader } from '../../../src/main/library/random-access';
import { type MediaFixtures, makeMediaFixtures } from './media-fixtures';

let dir: string;
let fx: MediaFixtures;
let exiftool: ExifTool;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rk-capture-'));
  fx = await makeMediaFixtures(dir);
  exiftool = new ExifTool({ maxProcs: 1 });
}, 60_000);
afterAll(async () => {
  await exiftool?.end();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A reader over a local file that remembers every range asked for. */
function trackedReader(file: string): { read: RandomAccessReader; size: number; bytesRead: () => number } {
  const bytes = fs.readFileSync(file);
  const inner = bufferReader(bytes);
  let total = 0;
  return {
    size: bytes.length,
    bytesRead: () => total,
    read: async (offset, length) => {
      const chunk = await inner(offset, length);
      total += chunk.length;
      return chunk;
    },
  };
}

async function embedded(file: string) {
  const r = trackedReader(file);
  return readEmbeddedCaptureTime(r.read, r.size);
}

const utc = (iso: string) => Date.parse(iso);

describe('stills: EXIF DateTimeOriginal with OffsetTimeOriginal', () => {
  it('uses OffsetTimeOriginal, never the conflicting OffsetTime (JPEG)', async () => {
    const { time } = await embedded(fx.jpegWithOffsets);
    // 18:30:05.250 at +02:00; with OffsetTime (-05:00) it would wrongly be 23:30:05Z.
    expect(time).toEqual({ utcMs: utc('2023-07-14T16:30:05.250Z'), offsetMinutes: 120, source: 'exif' });
  });

  it('gives a null offset and reads the wall clock in this computer’s zone when there is none', async () => {
    const { time } = await embedded(fx.jpegNoOffset);
    expect(time).toEqual({ utcMs: new Date(2019, 0, 5, 8, 9, 10).getTime(), offsetMinutes: null, source: 'exif' });
  });

  it('reads a HEIC whose EXIF comes after the image data, without reading the image data', async () => {
    const r = trackedReader(fx.heic);
    const { time } = await readEmbeddedCaptureTime(r.read, r.size);
    expect(time).toEqual({ utcMs: utc('2023-01-01T07:59:58Z'), offsetMinutes: -480, source: 'exif' });
    expect(r.size).toBeGreaterThan(150_000);
    expect(r.bytesRead()).toBeLessThan(80_000);
  });

  it('reads the EXIF of a PNG that has an eXIf chunk', async () => {
    const { time } = await embedded(fx.pngWithExif);
    expect(time).toEqual({ utcMs: utc('2020-02-29T04:30:00Z'), offsetMinutes: 330, source: 'exif' });
  });

  it('treats a zeroed date as no date, with a reason', async () => {
    const result = await embedded(fx.jpegZeroDate);
    expect(result.time).toBeNull();
    expect(result.reasons.join(' ')).toMatch(/DateTimeOriginal "0000:00:00 00:00:00" is not a date/);
  });
});

describe('videos: QuickTime creationdate, else the UTC movie header', () => {
  it('uses com.apple.quicktime.creationdate with its zone, moov at the end', async () => {
    const r = trackedReader(fx.movCreationDateMoovLast);
    const { time } = await readEmbeddedCaptureTime(r.read, r.size);
    expect(time).toEqual({ utcMs: utc('2023-07-14T16:30:05Z'), offsetMinutes: 120, source: 'quicktime' });
    // Header-only: the media data before moov is skipped, not read.
    expect(r.size).toBeGreaterThan(150_000);
    expect(r.bytesRead()).toBeLessThan(80_000);
  });

  it('finds the same with moov at the front', async () => {
    const { time } = await embedded(fx.movCreationDateMoovFirst);
    expect(time).toEqual({ utcMs: utc('2023-07-14T16:30:05Z'), offsetMinutes: 120, source: 'quicktime' });
  });

  it('reads Apple’s moov/meta keys layout (written by exiftool)', async () => {
    const { time } = await embedded(fx.movAppleKeys);
    expect(time).toEqual({ utcMs: utc('2021-03-04T10:06:07Z'), offsetMinutes: -300, source: 'quicktime' });
  });

  it('falls back to the movie header time as UTC with no offset', async () => {
    const result = await embedded(fx.movMvhdOnly);
    expect(result.time).toEqual({ utcMs: utc('2020-05-06T07:08:09Z'), offsetMinutes: null, source: 'movie-header' });
    expect(result.reasons).toEqual(['the movie has no QuickTime creation date']);
  });
});

describe('the library date and file times', () => {
  const inputsFor = (file: string, extra: Partial<CaptureTimeInputs> = {}): CaptureTimeInputs => {
    const r = trackedReader(file);
    return { read: r.read, size: r.size, ...extra };
  };

  it('a PNG screenshot without EXIF takes the library date', async () => {
    const libraryDate = { utcMs: utc('2024-02-03T04:05:06Z'), offsetMinutes: 60 };
    const result = await resolveCaptureTime(inputsFor(fx.pngNoExif, { libraryDate, birthTimeMs: 1_600_000_000_000 }));
    expect(result.time).toEqual({ ...libraryDate, source: 'library' });
  });

  it('a PNG screenshot without EXIF or library date takes the file’s birth time, and says why', async () => {
    const result = await resolveCaptureTime(
      inputsFor(fx.pngNoExif, { birthTimeMs: 1_600_000_000_000, mtimeMs: 1_700_000_000_000 }),
    );
    expect(result.time).toEqual({ utcMs: 1_600_000_000_000, offsetMinutes: null, source: 'file-birth' });
    expect(result.reasons).toEqual(['PNG has no EXIF capture date', 'no library date']);
  });

  it('falls back to the modification time, and to null with reasons when nothing is known', async () => {
    expect((await resolveCaptureTime(inputsFor(fx.pngNoExif, { mtimeMs: 5_000 }))).time).toEqual({
      utcMs: 5_000,
      offsetMinutes: null,
      source: 'file-mtime',
    });
    const none = await resolveCaptureTime(inputsFor(fx.pngNoExif));
    expect(none.time).toBeNull();
    expect(none.reasons).toContain('no file modification time');
  });

  it('the library date (adjusted on the phone) overrides the file, keeping the file’s zone', async () => {
    // The user moved the photo a day later in Photos; the file still says 14 July.
    const adjusted = utc('2023-07-15T16:30:05Z');
    const result = await resolveCaptureTime(
      inputsFor(fx.jpegWithOffsets, { libraryDate: { utcMs: adjusted, offsetMinutes: null } }),
    );
    expect(result.time).toEqual({ utcMs: adjusted, offsetMinutes: 120, source: 'library' });
  });

  it('the library’s own zone wins over the file’s', async () => {
    const result = await resolveCaptureTime(
      inputsFor(fx.movCreationDateMoovLast, {
        libraryDate: { utcMs: utc('2023-07-14T16:30:05Z'), offsetMinutes: 540 },
      }),
    );
    expect(result.time).toEqual({ utcMs: utc('2023-07-14T16:30:05Z'), offsetMinutes: 540, source: 'library' });
  });

  it('without a library date, the file’s own time wins over the birth time', async () => {
    const result = await resolveCaptureTime(inputsFor(fx.movMvhdOnly, { birthTimeMs: 1 }));
    expect(result.time?.source).toBe('movie-header');
  });
});

describe('garbage never throws', () => {
  it('unknown bytes: null with a reason', async () => {
    const result = await readEmbeddedCaptureTime(bufferReader(Buffer.from('not a photo at all, just text')), 29);
    expect(result).toEqual({ time: null, reasons: ['not a JPEG, HEIF, PNG or QuickTime/MP4 file'] });
  });

  it('a JPEG whose EXIF block is scrambled: null with a reason', async () => {
    const bytes = Buffer.from(fs.readFileSync(fx.jpegWithOffsets));
    const exif = bytes.indexOf('Exif\0\0');
    for (let i = exif + 6; i < exif + 300; i++) bytes[i] = bytes[i]! ^ 0x5a;
    const result = await readEmbeddedCaptureTime(bufferReader(bytes), bytes.length);
    expect(result.time).toBeNull();
    expect(result.reasons.length).toBeGreaterThan(0);
  });

  it('a movie cut off before its moov: null with a reason, and the birth time takes over', async () => {
    const bytes = fs.readFileSync(fx.movCreationDateMoovLast);
    const cut = bytes.subarray(0, bytes.length - 500);
    const result = await resolveCaptureTime({ read: bufferReader(cut), size: cut.length, birthTimeMs: 42_000 });
    expect(result.time).toEqual({ utcMs: 42_000, offsetMinutes: null, source: 'file-birth' });
    expect(result.reasons[0]).toMatch(/unreadable metadata: The "moov" box .* runs past its container/);
  });

  it('a HEIC truncated inside its image data: null with a reason', async () => {
    const bytes = fs.readFileSync(fx.heic).subarray(0, 20_000);
    const result = await readEmbeddedCaptureTime(bufferReader(bytes), bytes.length);
    expect(result.time).toBeNull();
    expect(result.reasons[0]).toMatch(/EXIF item lies outside the file/);
  });
});

describe('exiftool-vendored on whole local files agrees with the header reader', () => {
  it.each([
    ['jpegWithOffsets', { utcMs: utc('2023-07-14T16:30:05Z'), offsetMinutes: 120, source: 'exif' }],
    ['heic', { utcMs: utc('2023-01-01T07:59:58Z'), offsetMinutes: -480, source: 'exif' }],
    ['movCreationDateMoovLast', { utcMs: utc('2023-07-14T16:30:05Z'), offsetMinutes: 120, source: 'quicktime' }],
    ['movAppleKeys', { utcMs: utc('2021-03-04T10:06:07Z'), offsetMinutes: -300, source: 'quicktime' }],
    ['movMvhdOnly', { utcMs: utc('2020-05-06T07:08:09Z'), offsetMinutes: null, source: 'movie-header' }],
    ['pngWithExif', { utcMs: utc('2020-02-29T04:30:00Z'), offsetMinutes: 330, source: 'exif' }],
    ['pngNoExif', null],
  ] as const)('%s', async (name, expected) => {
    const result = await readCaptureTimeWithExifTool(exiftool, fx[name]);
    expect(result.time).toEqual(expected);
  });

  it('a missing file: null with a reason', async () => {
    const result = await readCaptureTimeWithExifTool(exiftool, path.join(dir, 'nope.jpg'));
    expect(result.time).toBeNull();
    expect(result.reasons[0]).toMatch(/exiftool could not read/);
  });
});

describe('sniffMediaType', () => {
  it('tells containers from their first bytes', async () => {
    const head = (file: string) => fs.readFileSync(file).subarray(0, 64);
    expect(sniffMediaType(head(fx.jpegNoOffset))).toBe('jpeg');
    expect(sniffMediaType(head(fx.heic))).toBe('heif');
    expect(sniffMediaType(head(fx.pngNoExif))).toBe('png');
    expect(sniffMediaType(head(fx.movMvhdOnly))).toBe('quicktime');
    expect(sniffMediaType(Buffer.alloc(3))).toBe('unknown');
  });
});
