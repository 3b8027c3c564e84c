import { afterAll, describe, expect, it } from 'vitest';
import { fingerprint, makeRollFixture, type RollFixture } from './roll-fixture';

const made: RollFixture[] = [];
afterAll(() => made.forEach((r) => r.cleanup()));

async function roll(seed: string) {
  const r = await makeRollFixture({ seed, photos: 30, videos: 5, live: 5 });
  made.push(r);
  return r;
}

describe('make-camera-roll is deterministic', () => {
  it('makes the same bytes, mtimes and manifest from the same seed, WAL and shm included', async () => {
    const [a, b] = [await roll('same'), await roll('same')];
    expect(fingerprint(b.dir)).toEqual(fingerprint(a.dir));
    expect(b.manifest).toEqual(a.manifest);
    expect(Object.keys(fingerprint(a.dir))).toContain('PhotoData/Photos.sqlite-wal');
  });

  it('makes a different roll from another seed', async () => {
    const [a, c] = [await roll('one seed'), await roll('another seed')];
    expect(c.manifest.assets.map((x) => x.uuid)).not.toEqual(a.manifest.assets.map((x) => x.uuid));
    const shaA = new Set(a.manifest.assets.flatMap((x) => x.resources.map((r) => r.sha256)));
    expect(c.manifest.assets.flatMap((x) => x.resources).some((r) => shaA.has(r.sha256))).toBe(false);
  });
});
