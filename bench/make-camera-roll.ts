/**
 * How fast `make-camera-roll` builds a big tiny roll, against a baseline measured in the same run:
 * plainly writing the same file tree (same paths and sizes, constant bytes: no planning, metadata,
 * hashing or database). The ratio says what the generator costs on top of the file system, whose
 * folder-per-thumbnail layout dominates both.
 *
 *   npx tsx bench/make-camera-roll.ts [--assets 50000] [--keep]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { makeCameraRoll, readManifest } from '../src/simulator/camera-roll/generate';

const { values } = parseArgs({ options: { assets: { type: 'string' }, keep: { type: 'boolean' } } });
const total = Number(values.assets ?? 50_000);
const photos = Math.round(total * 0.8);
const videos = Math.round(total * 0.1);
const live = total - photos - videos;

const base = mkdtempSync(path.join(os.tmpdir(), 'rollkeeper-bench-roll-'));
try {
  let started = performance.now();
  const result = await makeCameraRoll(path.join(base, 'roll'), { seed: 'bench', photos, videos, live });
  const generatorMs = performance.now() - started;

  // Baseline: the same paths and sizes, written synchronously with constant bytes.
  const manifest = readManifest(result.dir);
  const tree = [...manifest.assets.flatMap((a) => [...a.resources, ...a.thumbnails]), ...manifest.library.files];
  const payload = Buffer.alloc(Math.max(...tree.map((f) => f.size)), 7);
  const made = new Set<string>();
  started = performance.now();
  for (const f of tree) {
    const full = path.join(base, 'baseline', f.path);
    const dir = path.dirname(full);
    if (!made.has(dir)) {
      mkdirSync(dir, { recursive: true });
      made.add(dir);
    }
    writeFileSync(full, payload.subarray(0, f.size));
  }
  const baselineMs = performance.now() - started;

  console.log(
    JSON.stringify({
      bench: 'make-camera-roll',
      assets: result.assets,
      files: result.files,
      megabytes: Number((result.bytes / 1e6).toFixed(1)),
      generatorSeconds: Number((generatorMs / 1000).toFixed(2)),
      assetsPerSecond: Math.round(result.assets / (generatorMs / 1000)),
      baselineSeconds: Number((baselineMs / 1000).toFixed(2)),
      ratioToSameTreeWrites: Number((generatorMs / baselineMs).toFixed(2)),
    }),
  );
  if (values.keep) console.log(`kept: ${base}`);
} finally {
  if (!values.keep) rmSync(base, { recursive: true, force: true });
}
