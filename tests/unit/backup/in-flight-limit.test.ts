import { describe, expect, it } from 'vitest';
import { InFlightLimit } from '../../../src/main/backup/in-flight-limit';

const KB = 1000;
const MB = 1_000_000;

/** Acquires as many `size` files as the limit admits without waiting; returns their releases. */
async function admitted(limit: InFlightLimit, size: number, tries = 100): Promise<Array<() => void>> {
  const releases: Array<() => void> = [];
  for (let i = 0; i < tries; i++) {
    let granted: (() => void) | undefined;
    void limit.acquire(size).then((release) => (granted = release));
    await Promise.resolve();
    await Promise.resolve();
    if (!granted) break;
    releases.push(granted);
  }
  return releases;
}

describe('InFlightLimit', () => {
  it('admits more small files than `files`, up to maxFiles', async () => {
    const limit = new InFlightLimit({ files: 4, maxFiles: 16, maxBytes: 4 * MB });
    const small = await admitted(limit, 100 * KB);
    expect(small).toHaveLength(16);
    expect(limit.inFlight).toEqual({ files: 16, bytes: 1600 * KB });
  });

  it('keeps large files at `files`, and never more than maxBytes of them beyond that', async () => {
    const photos = new InFlightLimit({ files: 4, maxFiles: 16, maxBytes: 4 * MB });
    expect(await admitted(photos, 2 * MB)).toHaveLength(4);
    expect(photos.inFlight.bytes).toBe(8 * MB);

    const mid = new InFlightLimit({ files: 2, maxFiles: 16, maxBytes: 4 * MB });
    const admittedMid = await admitted(mid, 700 * KB);
    expect(admittedMid).toHaveLength(5); // 5 × 700 kB = 3.5 MB; a sixth would pass 4 MB
    expect(mid.inFlight.bytes).toBeLessThanOrEqual(4 * MB);
  });

  it('serves waiters in arrival order: a large file is not overtaken by small ones', async () => {
    const limit = new InFlightLimit({ files: 1, maxFiles: 8, maxBytes: 1 * MB });
    const first = await limit.acquire(800 * KB);
    const order: string[] = [];
    const large = limit.acquire(900 * KB).then((release) => (order.push('large'), release));
    const small = limit.acquire(200 * KB).then((release) => (order.push('small'), release));
    await new Promise((resolve) => setTimeout(resolve, 5));
    // 200 kB would fit next to 800 kB, but the 900 kB file asked first.
    expect(order).toEqual([]);
    first();
    first(); // a second release must not free a second place
    const releaseLarge = await large;
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(order).toEqual(['large']);
    expect(limit.inFlight).toEqual({ files: 1, bytes: 900 * KB });
    releaseLarge();
    (await small)();
    expect(order).toEqual(['large', 'small']);
    expect(limit.inFlight).toEqual({ files: 0, bytes: 0 });
  });

  it('shrinks below the files in flight when the phone runs out of file slots, never below `files`', async () => {
    const limit = new InFlightLimit({ files: 4, maxFiles: 16, maxBytes: 4 * MB });
    const held = await admitted(limit, 100 * KB, 10);
    expect(held).toHaveLength(10);
    limit.shrink();
    expect(limit.fileLimit).toBe(9);
    for (const release of held.splice(0, 5)) release();
    const more = await admitted(limit, 100 * KB, 4);
    expect(more).toHaveLength(4); // 5 held + 4 = 9
    expect(await admitted(limit, 100 * KB, 1)).toHaveLength(0); // a tenth waits
    for (const release of [...held, ...more]) release();
    // One waiter got in: 1 in flight. Shrinking now cannot go below `files`.
    limit.shrink();
    expect(limit.fileLimit).toBe(4);
  });
});
