/**
 * The DCIM scanner's header reader against real encoder output (helper D's media fixtures: sharp,
 * exiftool, ffmpeg, heif-enc): the same capture times as D's whole-header reader, while reading
 * only the bytes the format needs. Needs Debian exiftool, ffmpeg and libheif-examples.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEmbeddedCaptureTime } from '../../../src/main/library/capture-time';
import { readHeaderCaptureTime } from '../../../src/main/library/header-capture-time';
import { type RandomAccessReader, bufferReader, openFileReader } from '../../../src/main/library/random-access';
import { tempDir } from '../../helpers/temp-dir';
import { type MediaFixtures, makeMediaFixtures } from './media-fixtures';

let dir: { dir: string; cleanup: () => Promise<void> };
let fx: MediaFixtures;
let bigJpeg: string;

beforeAll(async () => {
  dir = await tempDir('rollkeeper-header-');
  fx = await makeMediaFixtures(dir.dir);
  // A photo-sized JPEG: the EXIF block is at the front, megabytes of image data follow.
  bigJpeg = path.join(dir.dir, 'big.jpg');
  const w = 1600;
  const h = 1200;
  const noise = Buffer.alloc(w * h * 3);
  for (let i = 0, x = 7; i < noise.length; i++) noise[i] = (x = (x * 1103515245 + 12345) & 0x7fffffff) >> 16;
  await sharp(noise, { raw: { width: w, height: h, channels: 3 } })
    .jpeg({ quality: 95 })
    .withExifMerge({ IFD2: { DateTimeOriginal: '2024:03:02 01:02:03', OffsetTimeOriginal: '+09:00' } })
    .toFile(bigJpeg);
}, 60_000);
afterAll(async () => {
  await dir?.cleanup();
});

/** A file reader that counts the bytes it hands out. */
async function counted(file: string) {
  const opened = await openFileReader(file);
  const tally = { bytes: 0 };
  const read: RandomAccessReader = async (offset, length) => {
    const data = await opened.read(offset, length);
    tally.bytes += data.length;
    return data;
  };
  return { read, size: opened.size, tally, close: opened.close };
}

describe('readHeaderCaptureTime', () => {
  const names: (keyof MediaFixtures)[] = [
    'jpegWithOffsets',
    'jpegNoOffset',
    'jpegZeroDate',
    'heic',
    'movCreationDateMoovLast',
    'movCreationDateMoovFirst',
    'movMvhdOnly',
    'movAppleKeys',
    'pngNoExif',
    'pngWithExif',
  ];
  for (const name of names) {
    it(`agrees with the full reader on ${name}`, async () => {
      const ours = await counted(fx[name]);
      const theirs = await counted(fx[name]);
      try {
        const a = await readHeaderCaptureTime(ours.read, ours.size);
        const b = await readEmbeddedCaptureTime(theirs.read, theirs.size);
        expect(a.time).toEqual(b.time);
        expect(ours.tally.bytes).toBeLessThanOrEqual(theirs.tally.bytes);
      } finally {
        await ours.close();
        await theirs.close();
      }
    });
  }

  it('reads a few KiB of a megabyte JPEG, and gets its date and zone', async () => {
    const file = await counted(bigJpeg);
    try {
      expect(file.size).toBeGreaterThan(500_000);
      const result = await readHeaderCaptureTime(file.read, file.size);
      expect(result.time).toEqual({ utcMs: Date.UTC(2024, 2, 1, 16, 2, 3), offsetMinutes: 540, source: 'exif' });
      expect(file.tally.bytes).toBeLessThanOrEqual(16 * 1024);
    } finally {
      await file.close();
    }
  });

  it('reads a movie whose header sits at its end without reading its media data', async () => {
    const file = await counted(fx.movMvhdOnly);
    try {
      const result = await readHeaderCaptureTime(file.read, file.size);
      expect(result.time?.source).toBe('movie-header');
      expect(file.tally.bytes).toBeLessThan(file.size / 2);
    } finally {
      await file.close();
    }
  });

  it('gives null with a reason, never an exception, for garbage and lying lengths', async () => {
    const cases: Buffer[] = [
      Buffer.from('definitely not a photo'),
      Buffer.alloc(0),
      Buffer.from([0xff, 0xd8, 0xff, 0xe1, 0xff, 0xff, 0x45, 0x78]), // APP1 claims 64 KiB, has 2 bytes
      Buffer.from([0xff, 0xd8, 0xff, 0xe1, 0x00, 0x01]), // impossible segment length
      Buffer.concat([
        Buffer.from([0, 0, 0, 24]),
        Buffer.from('ftypheic'),
        Buffer.alloc(12),
        Buffer.from([0xff, 0xff, 0xff, 0xff]),
        Buffer.from('meta'),
      ]),
      Buffer.concat([
        Buffer.from([0, 0, 0, 20]),
        Buffer.from('ftypqt  '),
        Buffer.alloc(8),
        Buffer.from([0, 0, 0, 1]),
        Buffer.from('mdat'),
        Buffer.alloc(8, 0xff),
      ]),
      Buffer.from('II*\0garbage tiff'),
    ];
    for (const data of cases) {
      const result = await readHeaderCaptureTime(bufferReader(data), data.length);
      expect(result.time).toBeNull();
      expect(result.reasons.length).toBeGreaterThan(0);
    }
  });

  it('reads the date of a DNG (a TIFF) from its EXIF IFD', async () => {
    const file = path.join(dir.dir, 'raw.tif');
    await sharp(Buffer.alloc(64 * 64 * 3, 90), { raw: { width: 64, height: 64, channels: 3 } })
      .tiff()
      .toFile(file);
    await promisify(execFile)('exiftool', [
      '-q',
      '-overwrite_original',
      '-DateTimeOriginal=2021:06:07 08:09:10',
      '-OffsetTimeOriginal=-04:00',
      file,
    ]);
    const reader = await counted(file);
    try {
      const result = await readHeaderCaptureTime(reader.read, reader.size);
      expect(result.time).toEqual({ utcMs: Date.UTC(2021, 5, 7, 12, 9, 10), offsetMinutes: -240, source: 'exif' });
    } finally {
      await reader.close();
    }
  });
});
