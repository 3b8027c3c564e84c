import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { COPY_STATES, canTransition } from '../../../src/main/catalog/copy-state';
import { Catalog } from '../../../src/main/catalog/database';
import { IllegalCopyTransitionError } from '../../../src/main/catalog/errors';
import { sha } from './make-asset';

let catalog: Catalog;
let t: number;
const DEST = 'local:/mnt/nas';
const H = sha('photo-1');

beforeEach(() => {
  t = 1_000;
  catalog = Catalog.open(':memory:', { now: () => t++ });
  catalog.destinations.upsert(DEST, 'local', 'NAS');
});
afterEach(() => catalog.close());

function expectRefused(to: Parameters<Catalog['copies']['transition']>[2], from: string | null) {
  let caught: unknown;
  try {
    catalog.copies.transition(DEST, H, to);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(IllegalCopyTransitionError);
  expect((caught as IllegalCopyTransitionError).code).toBe('catalog.illegal-copy-transition');
  expect((caught as IllegalCopyTransitionError).from).toBe(from);
  expect((caught as IllegalCopyTransitionError).message).toContain(`to ${to}`);
}

describe('copy state machine', () => {
  it('goes unknown → copying → copied → verified, recording location, attempts and times', () => {
    expect(catalog.copies.plan(DEST, H, 4096)).toMatchObject({ state: 'unknown', attempts: 0, size: 4096 });
    expect(catalog.copies.transition(DEST, H, 'copying')).toMatchObject({ state: 'copying', attempts: 1 });
    const copied = catalog.copies.transition(DEST, H, 'copied', { location: '2024/06/IMG_0001.HEIC' });
    expect(copied).toMatchObject({ state: 'copied', location: '2024/06/IMG_0001.HEIC', verifiedMs: null });
    const verified = catalog.copies.transition(DEST, H, 'verified');
    expect(verified).toMatchObject({ state: 'verified', location: '2024/06/IMG_0001.HEIC', error: null });
    expect(verified.verifiedMs).toBe(verified.updatedMs);
    expect(catalog.copies.countByState(DEST)).toMatchObject({ verified: 1, unknown: 0 });
  });

  it('refuses unknown → verified and leaves the record as it was', () => {
    const planned = catalog.copies.plan(DEST, H, 10);
    expectRefused('verified', 'unknown');
    expectRefused('copied', 'unknown');
    expect(catalog.copies.get(DEST, H)).toEqual(planned);
  });

  it('refuses to move a copy that was never planned', () => {
    expectRefused('copying', null);
    expect(catalog.copies.get(DEST, H)).toBeUndefined();
  });

  it('lets only one of two workers start the same copy', () => {
    catalog.copies.plan(DEST, H, 10);
    catalog.copies.transition(DEST, H, 'copying');
    expectRefused('copying', 'copying');
    expect(catalog.copies.get(DEST, H)?.attempts).toBe(1);
  });

  it('keeps the error of a failure and retries from failed and missing', () => {
    catalog.copies.plan(DEST, H, 10);
    catalog.copies.transition(DEST, H, 'copying');
    const failed = catalog.copies.transition(DEST, H, 'failed', { error: 'Disk full' });
    expect(failed).toMatchObject({ state: 'failed', error: 'Disk full' });
    expect(catalog.copies.inState(DEST, 'failed').map((c) => c.sha256)).toEqual([H]);
    expect(catalog.copies.transition(DEST, H, 'copying')).toMatchObject({ attempts: 2, error: null });
    catalog.copies.transition(DEST, H, 'copied', { location: 'a' });
    catalog.copies.transition(DEST, H, 'verified');
    const missing = catalog.copies.transition(DEST, H, 'missing', { error: 'File not found on the NAS' });
    expect(missing).toMatchObject({ state: 'missing', error: 'File not found on the NAS' });
    expectRefused('verified', 'missing');
    expect(catalog.copies.transition(DEST, H, 'copying').attempts).toBe(3);
  });

  it('plan keeps an existing record and copies are per destination', () => {
    catalog.destinations.upsert('s3:bucket', 's3');
    catalog.copies.plan(DEST, H, 10);
    catalog.copies.transition(DEST, H, 'copying');
    expect(catalog.copies.plan(DEST, H, 10).state).toBe('copying');
    catalog.copies.plan('s3:bucket', H, 10);
    expect(catalog.copies.copiesOf(H).map((c) => [c.destinationId, c.state])).toEqual([
      ['local:/mnt/nas', 'copying'],
      ['s3:bucket', 'unknown'],
    ]);
  });

  it('the table of transitions matches the repository for every pair', () => {
    for (const from of COPY_STATES) {
      for (const to of COPY_STATES) {
        const c = Catalog.open(':memory:');
        try {
          c.destinations.upsert(DEST, 'local');
          c.copies.plan(DEST, H, 1);
          c.db.prepare('UPDATE copies SET state = ?').run(from);
          let ok = true;
          try {
            c.copies.transition(DEST, H, to);
          } catch (error) {
            expect(error).toBeInstanceOf(IllegalCopyTransitionError);
            ok = false;
          }
          expect({ from, to, ok }).toEqual({ from, to, ok: canTransition(from, to) });
          expect(c.copies.get(DEST, H)!.state).toBe(ok ? to : from);
        } finally {
          c.close();
        }
      }
    }
    expect(canTransition('unknown', 'verified')).toBe(false);
  });
});
