/**
 * Real media files for the capture-time tests, made fresh in a temp folder: sharp for pixels,
 * Debian's `exiftool` to write tags, `ffmpeg` for movies, `heif-enc` (libheif-examples) for HEIC.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';

const run = promisify(execFile);

/** Pseudo-random pixels (seeded), so the encoders can't shrink the image data to nothing. */
function noise(width: number, height: number, seed = 1): Buffer {
  const raw = Buffer.alloc(width * height * 3);
  let x = seed;
  for (let i = 0; i < raw.length; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    raw[i] = x >> 16;
  }
  return raw;
}

async function jpeg(file: string, width = 64, height = 48): Promise<void> {
  await sharp(noise(width, height), { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 90 })
    .toFile(file);
}

async function exiftool(file: string, ...assignments: string[]): Promise<void> {
  await run('exiftool', ['-q', '-overwrite_original', ...assignments, file]);
}

async function ffmpeg(...args: string[]): Promise<void> {
  await run('ffmpeg', ['-v', 'error', '-y', ...args]);
}

/** A 2-second test movie; `bitrate` makes the media data (mdat) big enough to matter. */
const movieInput = (size = '160x120', bitrate = '1M') => [
  '-f',
  'lavfi',
  '-i',
  `testsrc=size=${size}:rate=15,noise=alls=60:allf=t`,
  '-t',
  '2',
  '-c:v',
  'mpeg4',
  '-b:v',
  bitrate,
];

export interface MediaFixtures {
  /** DateTimeOriginal 2023:07:14 18:30:05.250, OffsetTimeOriginal +02:00, OffsetTime -05:00. */
  jpegWithOffsets: string;
  /** DateTimeOriginal 2019:01:05 08:09:10, no offset tags. */
  jpegNoOffset: string;
  /** DateTimeOriginal "0000:00:00 00:00:00", as cameras with an unset clock write. */
  jpegZeroDate: string;
  /** A 640×480 HEIC from heif-enc: EXIF (2022:12:31 23:59:58 -08:00, OffsetTime +01:00) after the image data. */
  heic: string;
  /** ffmpeg MOV, moov at the end, mvhd 2023-07-14T16:30:05Z, creationdate 2023-07-14T18:30:05+0200 (udta/meta). */
  movCreationDateMoovLast: string;
  /** The same movie with moov moved to the front. */
  movCreationDateMoovFirst: string;
  /** mvhd 2020-05-06T07:08:09Z only; moov at the end of a ~250 KB file. */
  movMvhdOnly: string;
  /** An mvhd-only movie to which exiftool added Keys:CreationDate 2021:03:04 05:06:07-05:00 (Apple's moov/meta). */
  movAppleKeys: string;
  /** A PNG screenshot with no metadata at all. */
  pngNoExif: string;
  /** A PNG with an eXIf chunk: 2020:02:29 10:00:00 +05:30. */
  pngWithExif: string;
}

export async function makeMediaFixtures(dir: string): Promise<MediaFixtures> {
  const f = (name: string) => path.join(dir, name);
  const fx: MediaFixtures = {
    jpegWithOffsets: f('offsets.jpg'),
    jpegNoOffset: f('no-offset.jpg'),
    jpegZeroDate: f('zero-date.jpg'),
    heic: f('photo.heic'),
    movCreationDateMoovLast: f('creationdate-moov-last.mov'),
    movCreationDateMoovFirst: f('creationdate-moov-first.mov'),
    movMvhdOnly: f('mvhd-only.mov'),
    movAppleKeys: f('apple-keys.mov'),
    pngNoExif: f('screenshot.png'),
    pngWithExif: f('exif.png'),
  };
  const heicSource = f('heic-source.jpg');
  await Promise.all([
    (async () => {
      await jpeg(fx.jpegWithOffsets);
      await exiftool(
        fx.jpegWithOffsets,
        '-DateTimeOriginal=2023:07:14 18:30:05',
        '-SubSecTimeOriginal=250',
        '-OffsetTimeOriginal=+02:00',
        '-ModifyDate=2023:07:15 01:00:00',
        '-OffsetTime=-05:00',
      );
    })(),
    (async () => {
      await jpeg(fx.jpegNoOffset);
      await exiftool(fx.jpegNoOffset, '-DateTimeOriginal=2019:01:05 08:09:10');
    })(),
    (async () => {
      await jpeg(fx.jpegZeroDate);
      await exiftool(fx.jpegZeroDate, '-DateTimeOriginal#=0000:00:00 00:00:00');
    })(),
    (async () => {
      await jpeg(heicSource, 640, 480);
      await exiftool(
        heicSource,
        '-DateTimeOriginal=2022:12:31 23:59:58',
        '-OffsetTimeOriginal=-08:00',
        '-OffsetTime=+01:00',
      );
      await run('heif-enc', ['-q', '50', '-o', fx.heic, heicSource]);
    })(),
    (async () => {
      await ffmpeg(
        ...movieInput(),
        '-metadata',
        'creation_time=2023-07-14T16:30:05Z',
        '-movflags',
        'use_metadata_tags',
        '-metadata',
        'com.apple.quicktime.creationdate=2023-07-14T18:30:05+0200',
        fx.movCreationDateMoovLast,
      );
      await ffmpeg(
        '-i',
        fx.movCreationDateMoovLast,
        '-c',
        'copy',
        '-map_metadata',
        '0',
        '-movflags',
        '+faststart+use_metadata_tags',
        fx.movCreationDateMoovFirst,
      );
    })(),
    (async () => {
      await ffmpeg(...movieInput(), '-metadata', 'creation_time=2020-05-06T07:08:09Z', fx.movMvhdOnly);
      await ffmpeg(...movieInput('64x48', '100k'), '-metadata', 'creation_time=2020-05-06T07:08:09Z', fx.movAppleKeys);
      await exiftool(fx.movAppleKeys, '-Keys:CreationDate=2021:03:04 05:06:07-05:00');
    })(),
    (async () => {
      await sharp(noise(40, 80), { raw: { width: 40, height: 80, channels: 3 } })
        .png()
        .toFile(fx.pngNoExif);
      await sharp(noise(40, 80, 7), { raw: { width: 40, height: 80, channels: 3 } })
        .png()
        .toFile(fx.pngWithExif);
      await exiftool(fx.pngWithExif, '-DateTimeOriginal=2020:02:29 10:00:00', '-OffsetTimeOriginal=+05:30');
    })(),
  ]);
  await fs.rm(heicSource);
  return fx;
}
