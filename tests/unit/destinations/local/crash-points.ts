/**
 * Killing a writer at chosen points and checking what the next open finds: shared by the
 * recovery tests of single puts and of puts committed together.
 */
import { spawn } from 'node:child_process';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import type { PutItem } from '../../../../src/main/destinations/destination';
import { LocalDestination } from '../../../../src/main/destinations/local/local-destination';
import { nodeFs } from '../../../../src/main/destinations/local/local-fs';
import { freezingFs } from './freezing-fs';
import { content, itemFor, listAll } from './helpers';

/**
 * After a crash: every location a put confirmed is indexed, every indexed file is intact, the
 * index and the folder agree, and no temp file is left.
 */
export async function expectConsistentAfterCrash(
  root: string,
  destination: LocalDestination,
  confirmed: Iterable<string>,
): Promise<void> {
  const entries = await listAll(destination);
  const locations = new Set(entries.map((e) => e.location));
  for (const location of confirmed) expect(locations.has(location), `${location} is indexed`).toBe(true);
  for (const entry of entries) expect((await destination.verify(entry.location)).status).toBe('ok');
  expect(await destination.findStrays()).toEqual({ unindexedFiles: [], missingFiles: [] });
  expect(await fsp.readdir(path.join(root, '.rollkeeper', 'tmp'))).toEqual([]);
}

/**
 * Run `work` against a file system that stops answering after `steps` calls, for steps = 0, 1,
 * 2 … until the work completes without being stopped: every call is a crash point once. After
 * each crash, a fresh open on the real file system must be consistent, and `afterReopen` checks
 * that the folder keeps working. Returns how many steps the whole work takes.
 */
export async function sweepCrashPoints(options: {
  root: string;
  maxSteps: number;
  /** The writer's work on a destination opened (inside the sweep) over the freezing fs. */
  work: (destination: LocalDestination, confirmed: string[]) => Promise<void>;
  afterReopen: (reopened: LocalDestination) => Promise<void>;
}): Promise<number> {
  const { root } = options;
  for (let steps = 0; steps < options.maxSteps; steps += 1) {
    await fsp.rm(root, { recursive: true, force: true });
    await fsp.mkdir(root);
    const frozen = freezingFs(nodeFs, steps);
    const confirmed: string[] = [];
    const run = (async () => options.work(await LocalDestination.open(root, { fs: frozen.fs }), confirmed))();
    await Promise.race([run, frozen.whenFrozen]);
    await frozen.closeLeftovers();
    if (!frozen.isFrozen()) return steps; // every step has been a crash point
    // The "dead" process's lock: its pid is ours, so remove it as the OS would with the process.
    await fsp.rm(path.join(root, '.rollkeeper', 'lock'), { force: true });
    const reopened = await LocalDestination.open(root);
    await expectConsistentAfterCrash(root, reopened, confirmed);
    await options.afterReopen(reopened);
    await reopened.close();
  }
  throw new Error(`the work still froze after ${options.maxSteps} steps`);
}

/**
 * Run fixtures/put-until-killed.ts once a round with `args(round)` and kill -9 it at a random
 * moment after it reported `killAfter(round)` stored files. Returns every location it reported.
 */
export async function putUntilKilled(
  root: string,
  rounds: number,
  args: (round: number) => string[],
  killAfter: (round: number) => number,
): Promise<string[]> {
  const script = path.join(import.meta.dirname, 'fixtures', 'put-until-killed.ts');
  const reported: string[] = [];
  for (let round = 0; round < rounds; round += 1) {
    const child = spawn(process.execPath, ['--import', 'tsx', script, root, ...args(round)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stored = 0;
    await new Promise<void>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', (code) => reject(new Error(`child exited early (${code})`)));
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (text: string) => {
        for (const line of text.split('\n')) {
          if (!line.startsWith('stored ')) continue;
          reported.push(line.slice('stored '.length));
          stored += 1;
          if (stored === killAfter(round)) {
            child.removeAllListeners('exit');
            child.on('exit', () => resolve());
            // A random moment within the next few writes, so rounds land at different points.
            setTimeout(() => child.kill('SIGKILL'), Math.random() * 8);
          }
        }
      });
    });
  }
  return reported;
}

/**
 * The writes the crash sweeps make: a Live Photo (still + video, one stem) and a second asset
 * whose content is the still's (deduplicated onto it).
 */
export function livePhotoAndTwin(): { item: PutItem; data: Buffer }[] {
  const still = content(70_000);
  const video = content(90_000);
  const group = { assetId: 'live', assetName: 'IMG_0007.HEIC' };
  return [
    { item: itemFor(still, { ...group, fileName: 'IMG_0007.HEIC' }), data: still },
    { item: itemFor(video, { ...group, fileName: 'IMG_0007.MOV', role: 'live-video' }), data: video },
    { item: itemFor(still, { assetId: 'dup', assetName: 'IMG_0100.HEIC', fileName: 'IMG_0100.HEIC' }), data: still },
  ];
}
