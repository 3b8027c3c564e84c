import path from 'node:path';
import exifr from 'exifr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRollFixture, type RollFixture, sha256 } from './roll-fixture';

// `real` rolls feed the backup benchmarks: files must weigh what a phone's do and stay valid.
const VIDEO_BYTES = 12_000_000;
let roll: RollFixture;
beforeAll(async () => {
  roll = await makeRollFixture({
    seed: 'real',
    photos: 14,
    videos: 2,
    live: 1,
    size: 'real',
    realVideoBytes: VIDEO_BYTES,
  });
}, 60_000);
afterAll(() => roll?.cleanup());

const originals = (ext: string) =>
  roll.manifest.assets.flatMap((a) => a.resources).filter((r) => r.role === 'original' && r.path.endsWith(ext));

describe('a real-size roll', () => {
  it('has phone-sized 12 MP HEIC and JPEG stills that still read as images with their dates', async () => {
    const heics = originals('.HEIC');
    expect(heics.length).toBeGreaterThan(0);
    for (const r of heics) {
      expect(r.size).toBeGreaterThanOrEqual(1_500_000);
      expect(r.size).toBeLessThanOrEqual(3_000_000);
    }
    for (const r of [...heics, ...originals('.JPG')]) {
      const tags = await exifr.parse(path.join(roll.dir, r.path), {
        pick: ['ExifImageWidth', 'ExifImageHeight', 'DateTimeOriginal'],
      });
      expect([tags.ExifImageWidth, tags.ExifImageHeight], r.path).toEqual([4032, 3024]);
      expect(tags.DateTimeOriginal).toBeInstanceOf(Date);
    }
    for (const r of originals('.JPG')) expect(r.size).toBeGreaterThan(1_500_000);
  });

  it('sizes videos around the requested size and Live Photo videos at a tenth of it', () => {
    const live = roll.manifest.assets.find((a) => a.kind === 'live')!.resources.find((r) => r.role === 'live-video')!;
    expect(live.size).toBeGreaterThan(VIDEO_BYTES / 10);
    expect(live.size).toBeLessThan((VIDEO_BYTES / 10) * 1.5);
    for (const r of roll.manifest.assets.filter((a) => a.kind !== 'live').flatMap((a) => a.resources)) {
      if (!/\.(MOV|MP4)$/.test(r.path)) continue;
      expect(r.size, r.path).toBeGreaterThan(VIDEO_BYTES * 0.6);
      expect(r.size, r.path).toBeLessThan(VIDEO_BYTES * 1.6);
    }
  });

  it('records the hashes of the multi-chunk files it streamed', () => {
    for (const r of roll.manifest.assets.flatMap((a) => a.resources))
      expect(sha256(path.join(roll.dir, r.path)), r.path).toBe(r.sha256);
  });
});
