import { readFileSync } from 'node:fs';
import exifr from 'exifr';
import { describe, expect, it } from 'vitest';
import { TemplateFormatError } from '../../../../src/simulator/camera-roll/errors';
import { buildStillExif } from '../../../../src/simulator/camera-roll/exif';
import { buildHeic, readHeicPicture } from '../../../../src/simulator/camera-roll/heif';
import { buildJpeg, jpegBodyWithoutMetadata } from '../../../../src/simulator/camera-roll/jpeg';
import { loadTemplates, templateFile } from '../../../../src/simulator/camera-roll/templates';

const exif = buildStillExif({
  capture: { utcMs: Date.UTC(2024, 5, 1, 12, 3, 22, 457), offsetMinutes: 330 },
  modify: { utcMs: Date.UTC(2024, 5, 3, 9, 0, 0), offsetMinutes: 60 },
  width: 160,
  height: 120,
  imageUniqueId: 'f'.repeat(32),
  contentIdentifier: null,
});

describe('camera-roll templates and containers', () => {
  it('loads the shipped tiny templates: four palettes of HEVC pictures, JPEGs, frames and thumbnails', async () => {
    const t = await loadTemplates('tiny');
    expect(t.heic).toHaveLength(4);
    expect(t.heic.every((p) => p.width === 160 && p.height === 120 && p.data.length > 0)).toBe(true);
    expect(new Set(t.jpeg.map((b) => b.toString('hex'))).size).toBe(4);
  });

  it('wraps a template picture and an EXIF block into a HEIC that exifr reads', async () => {
    const picture = readHeicPicture(readFileSync(templateFile('still-1.heic')));
    const heic = buildHeic(picture, exif, Buffer.alloc(5000, 1));
    const tags = await exifr.parse(heic, {
      pick: ['DateTimeOriginal', 'OffsetTimeOriginal', 'SubSecTimeOriginal'],
      reviveValues: false,
    });
    expect(tags).toEqual({
      DateTimeOriginal: '2024:06:01 17:33:22',
      OffsetTimeOriginal: '+05:30',
      SubSecTimeOriginal: '457',
    });
    expect(heic.includes(picture.data)).toBe(true);
  });

  it('puts the EXIF APP1 right after SOI and drops the template JFIF segment', async () => {
    const jpeg = buildJpeg(jpegBodyWithoutMetadata(readFileSync(templateFile('still-0.jpg'))), exif);
    expect(jpeg.subarray(0, 4)).toEqual(Buffer.from([0xff, 0xd8, 0xff, 0xe1]));
    expect(jpeg.includes('JFIF')).toBe(false);
    expect((await exifr.parse(jpeg, { pick: ['OffsetTimeOriginal'] })).OffsetTimeOriginal).toBe('+05:30');
  });

  it('refuses broken templates with a typed error instead of writing broken media', () => {
    expect(() => jpegBodyWithoutMetadata(Buffer.from('not a jpeg'))).toThrow(TemplateFormatError);
    const heic = readFileSync(templateFile('still-0.heic'));
    expect(() => readHeicPicture(Buffer.from('garbage that is long enough'))).toThrow(TemplateFormatError);
    const lying = Buffer.from(heic);
    lying.writeUInt32BE(0x7fffffff, 0); // ftyp claims 2 GB
    expect(() => readHeicPicture(lying)).toThrow(/overruns/);
    expect(() => readHeicPicture(heic.subarray(0, heic.length / 2))).toThrow(TemplateFormatError);
  });
});
