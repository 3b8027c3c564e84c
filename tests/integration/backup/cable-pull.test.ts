/**
 * The cable pulled at random byte offsets of the phone → computer stream, 20 trials: the
 * simulator's link cuts every connection after exactly N bytes and the phone is detached, then
 * plugged back in a moment later. After each trial every file in the backup folder is
 * byte-identical to the phone's (or absent), no catalog row says verified for a bad copy, and the
 * run, having waited for the phone, completes with everything copied. More trials:
 * bench/backup-soak.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Rig, type RigPhone, checkConsistent, startRig, trialRandom } from './backup-rig';

const TRIALS = 20;
let rig: Rig;
let phone: RigPhone;
let rollBytes: number;

beforeAll(async () => {
  rig = await startRig();
  phone = await rig.addPhone({ seed: 'cable', photos: 10, videos: 2, live: 3 });
  rollBytes = [...phone.files.values()].reduce((sum, f) => sum + f.size, 0);
});
afterAll(async () => rig?.close());

describe('a cable pulled at a random byte offset', () => {
  it.each(Array.from({ length: TRIALS }, (_, i) => i))(
    'trial %i: pauses, resumes on re-plug, stores nothing half',
    async (trial) => {
      const next = trialRandom(1000 + trial);
      await rig.fresh();
      const link = phone.phone.link;
      const offset = Math.floor(next() * rollBytes * 0.9);
      const replugAfterMs = 10 + Math.floor(next() * 60);
      const armedAt = link.bytesSent;
      link.dropAfter(offset);
      // The pull: when the link has cut the connections, detach the phone; plug it back later.
      let pulled = false;
      const watch = setInterval(() => {
        if (pulled || link.bytesSent < armedAt + offset) return;
        pulled = true;
        phone.phone.detach();
        setTimeout(() => phone.phone.attach(), replugAfterMs);
      }, 1);
      const states: string[] = [];
      try {
        const summary = await rig.backup(phone, {
          maxDeviceWaitMs: 20_000,
          onRun: (run) => run.on('state', (state) => states.push(state)),
        });
        expect(summary, `offset ${offset}`).toMatchObject({ state: 'completed', failed: 0 });
        expect(pulled).toBe(true);
        expect(states).toContain('waiting-for-device');
      } finally {
        clearInterval(watch);
        link.dropAfter(undefined);
        phone.phone.attach();
      }
      const stored = await checkConsistent(rig, rig.destRoot, phone.files.values());
      expect(stored.size).toBe(new Set([...phone.files.values()].map((f) => f.sha256)).size);
      rig.withCatalog((catalog) => {
        const counts = catalog.copies.countByState(catalog.destinations.list()[0]!.id);
        expect(counts.verified).toBe(stored.size);
        expect(counts.copying + counts.copied + counts.failed).toBe(0);
      });
    },
  );
});
