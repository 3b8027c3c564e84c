import path from 'node:path';
import exifr from 'exifr';
import { exiftool } from 'exiftool-vendored';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManifestAsset } from '../../../../src/simulator/camera-roll/manifest';
import { exifToUtcMs, makeRollFixture, offsetMinutesOf, type RollFixture } from './roll-fixture';

// Dates read back from the real files by independent readers (exifr, ExifTool) must equal the
// manifest's DCIM view: that is what a DCIM scanner will be tested against.

let roll: RollFixture;
beforeAll(async () => {
  roll = await makeRollFixture({ seed: 'metadata-test' });
});
afterAll(async () => {
  await exiftool.end();
  roll?.cleanup();
});

const inDcim = (pred: (a: ManifestAsset) => boolean) => roll.manifest.assets.filter((a) => a.dcim !== null && pred(a));
const file = (rel: string) => path.join(roll.dir, rel);

describe('camera-roll stills carry EXIF dates a scanner can trust', () => {
  it('exifr reads DateTimeOriginal + OffsetTimeOriginal of every HEIC and JPEG as the manifest says', async () => {
    const stills = inDcim((a) => /\.(HEIC|JPG)$/.test(a.fileName));
    expect(stills.some((a) => a.fileName.endsWith('.HEIC')) && stills.some((a) => a.fileName.endsWith('.JPG'))).toBe(
      true,
    );
    for (const a of stills) {
      const tags = await exifr.parse(file(a.dcim!.paths[0]!), {
        pick: ['DateTimeOriginal', 'OffsetTimeOriginal', 'OffsetTime', 'SubSecTimeOriginal'],
        reviveValues: false,
      });
      const expected = a.dcim!.captureTime!;
      expect(exifToUtcMs(tags.DateTimeOriginal, tags.OffsetTimeOriginal, tags.SubSecTimeOriginal), a.fileName).toBe(
        expected.utcMs,
      );
      expect(offsetMinutesOf(tags.OffsetTimeOriginal)).toBe(expected.offsetMinutes);
      // OffsetTime belongs to ModifyDate and is deliberately another zone: reading it is a bug.
      expect(tags.OffsetTime).not.toBe(tags.OffsetTimeOriginal);
    }
  });

  it('ExifTool agrees for HEIC, JPEG, DNG and CPLAssets originals, and finds no date in PNG screenshots', async () => {
    const pick = (pred: (a: ManifestAsset) => boolean) => roll.manifest.assets.filter(pred).slice(0, 3);
    const stills = [
      ...pick((a) => a.dcim !== null && a.fileName.endsWith('.HEIC')),
      ...pick((a) => a.dcim !== null && a.fileName.endsWith('.JPG')),
      ...pick((a) => a.fileName.endsWith('.DNG')),
    ];
    for (const a of stills) {
      const tags = await exiftool.read(file(a.dcim!.paths[0]!));
      const dto = tags.DateTimeOriginal as { toMillis(): number; tzoffsetMinutes?: number };
      expect(dto.toMillis(), a.fileName).toBe(a.dcim!.captureTime!.utcMs);
      expect(dto.tzoffsetMinutes).toBe(a.dcim!.captureTime!.offsetMinutes);
      expect(tags.Make).toBe('Apple');
    }
    const cpl = roll.manifest.assets.find((a) => a.resources.some((r) => r.path.startsWith('PhotoData/CPLAssets/')))!;
    const cplTags = await exiftool.read(file(cpl.resources[0]!.path));
    expect((cplTags.DateTimeOriginal as { toMillis(): number }).toMillis()).toBe(cpl.captureTime.utcMs);

    for (const a of pick((x) => x.kind === 'screenshot' && x.dcim !== null)) {
      const tags = await exiftool.read(file(a.dcim!.paths[0]!));
      expect(tags.DateTimeOriginal).toBeUndefined();
      expect(tags.CreateDate).toBeUndefined();
      expect(tags.ImageWidth).toBeGreaterThan(0);
    }
  });

  it('ExifTool reads the Live Photo content identifier from the still and from its video', async () => {
    const live = roll.manifest.assets.find((a) => a.kind === 'live')!;
    const still = await exiftool.read(file(live.dcim!.paths[0]!));
    const video = await exiftool.read(file(live.dcim!.paths[1]!));
    // ExifTool 12 calls Apple MakerNote tag 0x0011 MediaGroupUUID; it is the content identifier.
    expect(
      (still as Record<string, unknown>).MediaGroupUUID ?? (still as Record<string, unknown>).ContentIdentifier,
    ).toBe(live.contentIdentifier);
    expect((video as Record<string, unknown>).ContentIdentifier).toBe(live.contentIdentifier);
  });
});

describe('camera-roll videos carry the QuickTime creation date with its zone', () => {
  it('ExifTool reads com.apple.quicktime.creationdate of every MOV and MP4 as the manifest says', async () => {
    const videos = inDcim((a) => a.dcim!.paths.some((p) => /\.(MOV|MP4)$/.test(p)));
    expect(videos.some((a) => a.kind === 'live') && videos.some((a) => a.fileName.endsWith('.MP4'))).toBe(true);
    for (const a of videos) {
      const moviePath = a.dcim!.paths.find((p) => /\.(MOV|MP4)$/.test(p))!;
      const tags = await exiftool.read(file(moviePath));
      const created = tags.CreationDate as { toMillis(): number; tzoffsetMinutes?: number };
      const expected = a.dcim!.captureTime!;
      // Live Photo videos share the still's instant; the still's EXIF keeps milliseconds, QuickTime whole seconds.
      expect(created.toMillis(), moviePath).toBe(Math.floor(expected.utcMs / 1000) * 1000);
      expect(created.tzoffsetMinutes, moviePath).toBe(expected.offsetMinutes);
      // The movie header's CreateDate is UTC (seconds since 1904), with no zone of its own.
      const utc = new Date(expected.utcMs).toISOString();
      expect((tags.CreateDate as { rawValue?: string }).rawValue).toBe(
        `${utc.slice(0, 10).replace(/-/g, ':')} ${utc.slice(11, 19)}`,
      );
    }
  });
});
