/**
 * `rollkeeper backup` killed with SIGKILL at random moments (during the scan, between files,
 * in the middle of a write or a read-back), 10 trials: afterwards every file in the backup
 * folder is byte-identical to the phone's or absent, and no catalog row says verified for a bad
 * copy; the next `rollkeeper backup` reconciles, finishes, and the folder then holds everything.
 * Also checks the CLI's --json contract (the summary line) and `status`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Rig, type RigPhone, checkConsistent, startRig, trialRandom } from './backup-rig';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const TRIALS = 10;
let rig: Rig;
let phone: RigPhone;
/** Trials whose kill landed after the first file started and before the run's end. */
let killedMidBackup = 0;

beforeAll(async () => {
  rig = await startRig();
  phone = await rig.addPhone({ seed: 'kill', photos: 12, videos: 2, live: 3 });
});
afterAll(async () => rig?.close());

interface CliRun {
  child: ChildProcess;
  events: Array<Record<string, unknown>>;
  exit: Promise<number | null>;
}

function cli(args: string[]): CliRun {
  const child = spawn(
    process.execPath,
    ['bin/rollkeeper.js', ...args, '--json', '--data-dir', path.dirname(rig.catalogFile)],
    { cwd: ROOT, env: { ...process.env, USBMUXD_SOCKET_ADDRESS: rig.sim.address }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const events: Array<Record<string, unknown>> = [];
  createInterface({ input: child.stdout! }).on('line', (line) =>
    events.push(JSON.parse(line) as Record<string, unknown>),
  );
  child.stderr!.resume();
  const exit = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, events, exit };
}

describe('rollkeeper backup killed with SIGKILL', () => {
  it.each(Array.from({ length: TRIALS }, (_, i) => i))(
    'trial %i: the next run finishes a consistent backup',
    async (trial) => {
      const next = trialRandom(7000 + trial);
      await rig.fresh();
      const files = phone.files.size;
      const first = cli(['backup', '--to', rig.destRoot]);
      // Where the kill lands: trials 4 and 9 early (start-up, scan, planning: a random delay from
      // the start); even trials right after the k-th file event (k ≥ 1: mid-copy by construction);
      // the other odd trials a random 0–80 ms after the first file event (mid-copy, between files,
      // in a write or a read-back). The copying itself lasts ~0.1–1 s on this rig.
      const early = trial % 5 === 4;
      const afterFiles = 1 + Math.floor(next() * (files - 1));
      const delayMs = early ? 50 + Math.floor(next() * 550) : Math.floor(next() * 80);
      const fileEventsNow = () => first.events.filter((e) => e.event === 'file').length;
      await new Promise<void>((resolve) => {
        let timer: NodeJS.Timeout | undefined = early ? setTimeout(resolve, delayMs) : undefined;
        const poll = setInterval(() => {
          const seen = fileEventsNow();
          if (first.child.exitCode !== null || (trial % 2 === 0 && !early && seen >= afterFiles)) {
            clearInterval(poll);
            clearTimeout(timer);
            resolve();
          } else if (trial % 2 === 1 && !early && seen >= 1 && timer === undefined) {
            timer = setTimeout(resolve, delayMs);
          }
        }, 1);
        first.exit.then(() => {
          clearInterval(poll);
          resolve();
        });
      });
      first.child.kill('SIGKILL');
      await first.exit;
      const fileEventsSeen = first.events.filter((e) => e.event === 'file').length;
      if (fileEventsSeen > 0 && !first.events.some((e) => e.event === 'summary')) killedMidBackup++;

      await checkConsistent(rig, rig.destRoot, phone.files.values());

      const second = cli(['backup', '--to', rig.destRoot]);
      expect(await second.exit).toBe(0);
      const summary = second.events.at(-1)!;
      expect(Object.keys(summary).sort()).toEqual(['bytes', 'copied', 'deduplicated', 'event', 'failed', 'seconds']);
      expect(summary).toMatchObject({ event: 'summary', failed: 0 });
      const stored = await checkConsistent(rig, rig.destRoot, phone.files.values());
      expect(stored.size).toBe(new Set([...phone.files.values()].map((f) => f.sha256)).size);

      const status = cli(['status', '--to', rig.destRoot]);
      expect(await status.exit).toBe(0);
      expect(status.events.at(-1)).toMatchObject({
        event: 'summary',
        verified: stored.size,
        copying: 0,
        copied: 0,
        failed: 0,
        pending: 0,
      });
    },
  );

  it('landed in the middle of the copying in most trials (not only before or after)', () => {
    expect(killedMidBackup).toBeGreaterThanOrEqual(TRIALS / 2);
  });
});
