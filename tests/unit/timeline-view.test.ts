import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dispatch } from '../../src/main/contract-dispatch';
import { Engine } from '../../src/main/engine';
import { localTime, makeAsset } from './catalog/make-asset';
import { tempDir } from '../helpers/temp-dir';

describe('timeline through the contract (engine → catalog)', () => {
  let temp: { dir: string; cleanup: () => Promise<void> };
  let engine: Engine;
  beforeEach(async () => {
    temp = await tempDir();
    engine = new Engine({ dataDir: temp.dir, transport: 'websocket' });
    const phone = engine.catalog.devices.upsert('00008110-000A1B2C3D4E5F60', { name: 'Ada’s iPhone' });
    engine.catalog.assets.replaceDeviceAssets(phone.id, [
      // 23:30 on 31 May in Tokyo is 14:30 UTC: it belongs to May, not June.
      makeAsset('tokyo', { captureTime: localTime(2024, 5, 31, 23, 30, 540) }),
      makeAsset('berlin', { captureTime: localTime(2024, 6, 2, 9, 0, 120) }),
      makeAsset('la', { captureTime: localTime(2024, 6, 1, 20, 0, -420) }),
    ]);
  });
  afterEach(async () => {
    await engine.close();
    await temp.cleanup();
  });

  it('buckets by the local capture date, newest first', async () => {
    expect(await dispatch(engine, 'timeline.buckets', { granularity: 'month' })).toEqual({
      ok: true,
      result: [
        { key: '2024-06', count: 2 },
        { key: '2024-05', count: 1 },
      ],
    });
    const days = await dispatch(engine, 'timeline.buckets', { granularity: 'day' });
    expect(days).toMatchObject({ result: [{ key: '2024-06-02' }, { key: '2024-06-01' }, { key: '2024-05-31' }] });
  });

  it('pages a range newest first with a cursor, each item saying it is not backed up yet', async () => {
    const first = await dispatch(engine, 'timeline.page', { from: '2024-05-01', to: '2024-06-30', limit: 2 });
    if (!first.ok) throw new Error(first.error.message);
    const page = first.result as { items: { name: string; badge: string; devices: string[] }[]; nextCursor: string };
    expect(page.items.map((i) => i.name)).toEqual(['berlin.HEIC', 'la.HEIC']);
    expect(page.items.every((i) => i.badge === 'not-backed-up')).toBe(true);
    expect(page.items[0].devices).toEqual(['00008110-000A1B2C3D4E5F60']);
    const second = await dispatch(engine, 'timeline.page', {
      from: '2024-05-01',
      to: '2024-06-30',
      limit: 2,
      cursor: page.nextCursor,
    });
    expect(second).toMatchObject({ ok: true, result: { items: [{ name: 'tokyo.HEIC' }], nextCursor: null } });
  });

  it('refuses a forged cursor with a typed error', async () => {
    const reply = await dispatch(engine, 'timeline.page', { limit: 5, cursor: '1; drop table assets' });
    expect(reply.ok).toBe(false);
  });
});
