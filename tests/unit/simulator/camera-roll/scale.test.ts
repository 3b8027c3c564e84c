import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRollFixture, type RollFixture } from './roll-fixture';

// The 50,000-asset timing is measured by bench/make-camera-roll.ts; here a 2,000-asset roll must
// come out complete and consistent (folders roll over, names repeat, counts add up).
let roll: RollFixture;
beforeAll(async () => {
  roll = await makeRollFixture({ seed: 'scale', photos: 1600, videos: 200, live: 200 });
}, 60_000);
afterAll(() => roll?.cleanup());

describe('a 2,000-asset tiny roll', () => {
  it('has every asset, in several DCIM folders of at most 1000 files each', () => {
    expect(roll.manifest.assets).toHaveLength(2000);
    const folders = readdirSync(path.join(roll.dir, 'DCIM'));
    expect(folders.length).toBeGreaterThanOrEqual(2);
    for (const f of folders) {
      const stems = new Set(readdirSync(path.join(roll.dir, 'DCIM', f)).map((n) => n.replace(/\.[^.]+$/, '')));
      expect(stems.size).toBeLessThanOrEqual(1000);
    }
  });

  it('counts kinds and files consistently', () => {
    const { totals, assets } = roll.manifest;
    expect(Object.values(totals.byKind).reduce((s, n) => s + n, 0)).toBe(2000);
    const files = assets.reduce((s, a) => s + a.resources.length + a.thumbnails.length, 0) + 3;
    expect(totals.files).toBe(files);
    expect(assets.filter((a) => a.kind === 'live')).toHaveLength(200);
    expect(assets.filter((a) => ['video', 'slomo', 'timelapse', 'screen-recording'].includes(a.kind))).toHaveLength(
      200,
    );
  });
});
