import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readManifest } from '../../../../src/simulator/camera-roll/generate';
import { listFiles, makeRollFixture, type RollFixture, sha256 } from './roll-fixture';

// resources/demo-roll is the phone for users without one. It must be exactly what the command
// makes from its seed (so regenerating it changes nothing) and complete on disk.
const DEMO = fileURLToPath(new URL('../../../../resources/demo-roll/', import.meta.url));

let fresh: RollFixture | undefined;
afterAll(() => fresh?.cleanup());

describe('the shipped demo roll', () => {
  it('holds every file its manifest lists, with the listed bytes, and nothing else', () => {
    const manifest = readManifest(DEMO);
    const listed = [...manifest.assets.flatMap((a) => [...a.resources, ...a.thumbnails]), ...manifest.library.files];
    for (const f of listed) expect(sha256(path.join(DEMO, f.path)), f.path).toBe(f.sha256);
    expect(listFiles(DEMO).filter((p) => p !== 'rollkeeper-manifest.json')).toEqual(listed.map((f) => f.path).sort());
  });

  it('is what `make-camera-roll --seed demo` makes today', async () => {
    const committed = readManifest(DEMO);
    expect(committed.options.seed).toBe('demo');
    fresh = await makeRollFixture(committed.options);
    expect(fresh.manifest).toEqual(committed);
  });
});
