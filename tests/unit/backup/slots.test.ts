import { describe, expect, it } from 'vitest';
import { Slots } from '../../../src/main/backup/slots';

describe('Slots', () => {
  it('lets `size` holders in at once, the next waiter in arrival order, and ignores a double release', async () => {
    const slots = new Slots(2);
    const order: string[] = [];
    const a = await slots.acquire();
    const b = await slots.acquire();
    const c = slots.acquire().then((release) => (order.push('c'), release));
    const d = slots.acquire().then((release) => (order.push('d'), release));
    await Promise.resolve();
    expect(order).toEqual([]);
    a();
    a(); // a second release must not let two waiters in
    const releaseC = await c;
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(order).toEqual(['c']);
    b();
    const releaseD = await d;
    expect(order).toEqual(['c', 'd']);
    releaseC();
    releaseD();
    // Both free again: two immediate acquires.
    const [x, y] = await Promise.all([slots.acquire(), slots.acquire()]);
    x();
    y();
  });
});
