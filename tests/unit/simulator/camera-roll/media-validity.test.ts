import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRollFixture, type RollFixture } from './roll-fixture';

// Independent decoders must accept the files: libheif (Debian libheif-examples) for HEIC,
// FFmpeg (Debian ffmpeg) for MOV/MP4. CI installs both.
const has = (tool: string) => {
  try {
    execFileSync('which', [tool], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

let roll: RollFixture;
beforeAll(async () => {
  roll = await makeRollFixture({ seed: 'validity', photos: 20, videos: 6, live: 3 });
});
afterAll(() => roll?.cleanup());

const files = (re: RegExp) =>
  roll.manifest.assets
    .flatMap((a) => a.resources)
    .map((r) => r.path)
    .filter((p) => re.test(p));

describe('generated media decode with independent tools', () => {
  it.skipIf(!has('heif-info'))('libheif reads every HEIC as one HEVC image with an Exif block', () => {
    const heics = files(/\.HEIC$/);
    expect(heics.length).toBeGreaterThan(5);
    for (const p of heics) {
      const info = execFileSync('heif-info', [path.join(roll.dir, p)], { encoding: 'utf8' });
      expect(info, p).toMatch(/image: \d+x\d+ \(id=1\), primary/);
      expect(info, p).toMatch(/Exif: \d+ bytes/);
    }
  });

  it.skipIf(!has('ffprobe'))('FFmpeg decodes every frame of every MOV and MP4', () => {
    const movies = files(/\.(MOV|MP4|mov)$/);
    expect(movies.some((p) => p.endsWith('.MP4')) && movies.some((p) => p.endsWith('.mov'))).toBe(true);
    for (const p of movies) {
      const out = execFileSync(
        'ffprobe',
        [
          '-v',
          'error',
          '-count_frames',
          '-show_entries',
          'stream=codec_name,nb_read_frames',
          '-of',
          'csv=p=0',
          path.join(roll.dir, p),
        ],
        { encoding: 'utf8' },
      );
      expect(out.trim(), p).toBe('mjpeg,3');
    }
  });
});
