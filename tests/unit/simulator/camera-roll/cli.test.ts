import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../helpers/run-cli';
import { makeCameraRoll, readManifest } from '../../../../src/simulator/camera-roll/generate';
import { RollCancelledError } from '../../../../src/simulator/camera-roll/errors';

const base = mkdtempSync(path.join(os.tmpdir(), 'rollkeeper-make-roll-cli-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const run = (argv: string[]) => runCli(argv, { ROLLKEEPER_DATA_DIR: base });

describe('rollkeeper make-camera-roll', () => {
  it('prints NDJSON with --json, the last line a summary that matches the manifest', async () => {
    const dir = path.join(base, 'json');
    const { code, out } = await run([
      'make-camera-roll',
      dir,
      '--json',
      '--seed',
      'cli',
      '--photos',
      '9',
      '--videos',
      '2',
      '--live',
      '1',
    ]);
    expect(code).toBe(0);
    const lines = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.slice(0, -1).every((l) => l.event === 'progress')).toBe(true);
    const summary = lines.at(-1)!;
    const manifest = readManifest(dir);
    expect(summary).toMatchObject({
      event: 'summary',
      ok: true,
      dir,
      assets: 12,
      files: manifest.totals.files,
      bytes: manifest.totals.bytes,
    });
    expect(summary.options).toMatchObject({
      seed: 'cli',
      photos: 9,
      videos: 2,
      live: 1,
      size: 'tiny',
      schema: 'ios14',
    });
  });

  it('speaks to people without --json', async () => {
    const { code, out } = await run([
      'make-camera-roll',
      path.join(base, 'people'),
      '--photos',
      '3',
      '--videos',
      '0',
      '--live',
      '0',
    ]);
    expect(code).toBe(0);
    expect(out).toContain('Made 3 assets');
    expect(out).toContain('rollkeeper-manifest.json');
  });

  it('refuses bad usage with exit code 2', async () => {
    expect((await run(['make-camera-roll'])).code).toBe(2);
    const size = await run(['make-camera-roll', path.join(base, 'x'), '--size', 'huge']);
    expect([size.code, size.err]).toEqual([2, expect.stringContaining('--size takes tiny or real')]);
    const count = await run(['make-camera-roll', path.join(base, 'x'), '--photos', '3.5']);
    expect([count.code, count.err]).toEqual([2, expect.stringContaining('--photos takes a whole number')]);
    expect(
      (await run(['make-camera-roll', path.join(base, 'x'), '--photos', '400000', '--videos', '200000'])).code,
    ).toBe(2);
    expect(existsSync(path.join(base, 'x'))).toBe(false);
  });

  it('never writes into a folder holding other files, and replaces its own roll only with --force', async () => {
    const foreign = path.join(base, 'foreign');
    mkdirSync(foreign);
    writeFileSync(path.join(foreign, 'holiday.jpg'), 'mine');
    const refused = await run(['make-camera-roll', foreign, '--json', '--force']);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.out.trim().split('\n').at(-1)!)).toMatchObject({
      event: 'error',
      code: 'camera-roll.target-not-empty',
    });
    expect(readdirSync(foreign)).toEqual(['holiday.jpg']);
    const notAFolder = await run(['make-camera-roll', path.join(foreign, 'holiday.jpg')]);
    expect([notAFolder.code, notAFolder.err]).toEqual([1, expect.stringContaining('is a file, not a folder')]);

    const own = path.join(base, 'own');
    expect((await run(['make-camera-roll', own, '--photos', '2', '--videos', '0', '--live', '0'])).code).toBe(0);
    const again = await run(['make-camera-roll', own, '--photos', '2']);
    expect([again.code, again.err]).toEqual([1, expect.stringContaining('--force')]);
    expect(
      (await run(['make-camera-roll', own, '--photos', '4', '--videos', '0', '--live', '0', '--force'])).code,
    ).toBe(0);
    expect(readManifest(own).assets).toHaveLength(4);
  });

  it('stops when cancelled and leaves no manifest, so the roll reads as incomplete', async () => {
    const dir = path.join(base, 'cancelled');
    const controller = new AbortController();
    const making = makeCameraRoll(
      dir,
      { photos: 3000, videos: 0, live: 0 },
      {
        signal: controller.signal,
        onProgress: (p) => p.done >= 250 && controller.abort(),
      },
    );
    await expect(making).rejects.toBeInstanceOf(RollCancelledError);
    expect(existsSync(path.join(dir, 'rollkeeper-manifest.json'))).toBe(false);
    expect(existsSync(path.join(dir, 'rollkeeper-manifest.json.partial'))).toBe(true);
    expect(() => readManifest(dir)).toThrow(
      expect.objectContaining({ code: 'camera-roll.no-manifest', message: expect.stringContaining('never finished') }),
    );
  });
});

describe('makeCameraRoll called from code', () => {
  it('refuses impossible options with a typed error before touching the disk', async () => {
    const dir = path.join(base, 'bad-options');
    await expect(makeCameraRoll(dir, { photos: -1 })).rejects.toMatchObject({ code: 'camera-roll.bad-options' });
    await expect(makeCameraRoll(dir, { videos: 1.5 })).rejects.toMatchObject({ code: 'camera-roll.bad-options' });
    await expect(makeCameraRoll(dir, { size: 'huge' as 'tiny' })).rejects.toMatchObject({
      code: 'camera-roll.bad-options',
    });
    expect(existsSync(dir)).toBe(false);
  });
});
