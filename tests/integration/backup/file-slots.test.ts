/**
 * Small files are read many at once (in-flight-limit.ts). A phone that has fewer file slots than
 * that answers FILE_OPEN with NO_RESOURCES: the run must learn it once (read fewer at once from
 * then on), not lose files to it nor keep hitting the limit file after file.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FileEvent } from '../../../src/main/backup/backup-run';
import { type Rig, type RigPhone, checkConsistent, startRig, storedFiles } from './backup-rig';

let rig: Rig;
let phone: RigPhone;

beforeAll(async () => {
  rig = await startRig();
  // 2 ms a round trip, so many reads are open at the same time.
  phone = await rig.addPhone({ seed: 'file-slots', photos: 120, videos: 0, live: 0 }, { latencyMs: 2 });
});
afterAll(async () => rig?.close());

it('a phone with only 6 file slots: every file is backed up, and the limit is hit in one wave only', async () => {
  phone.phone.afc.faults = { maxOpenFiles: 6 };
  const retried: FileEvent[] = [];
  const summary = await rig.backup(phone, {
    concurrency: 4,
    onRun: (run) => run.on('file', (event) => event.state === 'retrying' && retried.push(event)),
  });
  const distinct = new Set([...phone.files.values()].map((f) => f.sha256)).size;
  expect(summary).toMatchObject({ state: 'completed', failed: 0 });
  expect(summary.copied + summary.deduplicated).toBe(phone.files.size);
  expect((await storedFiles(rig.destRoot)).length).toBe(distinct);
  expect((await checkConsistent(rig, rig.destRoot, phone.files.values())).size).toBe(distinct);
  // Only files that were already opening when the first "no file slots" came back are retried:
  // at most the 16 small files read at once, minus the 6 the phone allows.
  expect(retried.length).toBeGreaterThan(0); // the limit was really met
  expect(retried.every((event) => /NO_RESOURCES/.test(event.error?.message ?? ''))).toBe(true);
  expect(retried.length).toBeLessThanOrEqual(10);
});
