import { describe, expect, it } from 'vitest';
import { DEFAULT_OPTIONS } from '../../../../src/simulator/camera-roll/generate';
import { planCameraRoll } from '../../../../src/simulator/camera-roll/plan';

const plan = (photos: number, videos: number, live: number, seed = 'plan') =>
  planCameraRoll({ ...DEFAULT_OPTIONS, seed, photos, videos, live });

describe('planCameraRoll', () => {
  it('makes exactly the requested counts, also for tiny and lopsided requests', () => {
    for (const [p, v, l] of [
      [0, 0, 0],
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
      [2, 0, 0],
      [7, 3, 0],
      [100, 0, 0],
    ] as const) {
      const assets = plan(p, v, l);
      expect(assets).toHaveLength(p + v + l);
      expect(assets.filter((a) => a.zKind === 1)).toHaveLength(v);
      expect(assets.filter((a) => a.kind === 'live')).toHaveLength(l);
    }
  });

  it('orders assets by capture time and gives file names only to camera assets', () => {
    const assets = plan(200, 20, 20);
    for (let i = 1; i < assets.length; i++)
      expect(
        assets[i]!.capture.utcMs >= assets[i - 1]!.capture.utcMs ||
          assets[i]!.dateAdjusted ||
          assets[i - 1]!.dateAdjusted,
      ).toBe(true);
    for (const a of assets) {
      if (a.location === 'dcim') expect(a.fileName).toMatch(/^IMG_\d{4}\.(HEIC|JPG|PNG|DNG|MOV|MP4)$/);
      else expect(a.fileName).toBe(`${a.uuid}.JPG`);
    }
  });

  it('is a pure function of its options', () => {
    expect(plan(50, 5, 5, 'x')).toEqual(plan(50, 5, 5, 'x'));
    expect(plan(50, 5, 5, 'x')).not.toEqual(plan(50, 5, 5, 'y'));
  });

  it('never marks an iCloud-only asset as trashed, edited or date-adjusted (it has no file to show it)', () => {
    for (const a of plan(2000, 100, 100).filter((x) => x.flags.iCloudOnly)) {
      expect([a.flags.recentlyDeleted, a.edited, a.dateAdjusted]).toEqual([false, false, false]);
    }
  });
});
