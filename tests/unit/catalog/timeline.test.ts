import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/main/catalog/database';
import { localDayOf, monthRange } from '../../../src/main/catalog/local-day';
import type { TimelineItem } from '../../../src/main/catalog/timeline-repository';
import { localTime, makeAsset, sha } from './make-asset';

let catalog: Catalog;
let phoneA: number;
let phoneB: number;
const JOTTA = 'jotta:Photos';
const NAS = 'local:/mnt/nas';

beforeEach(() => {
  catalog = Catalog.open(':memory:');
  phoneA = catalog.devices.upsert('UDID-A', { name: 'Anna’s iPhone' }).id;
  phoneB = catalog.devices.upsert('UDID-B', { name: 'Ben’s iPhone' }).id;
  catalog.destinations.upsert(JOTTA, 'jottacloud', 'Jottacloud');
  catalog.destinations.upsert(NAS, 'local', 'NAS');
});
afterEach(() => catalog.close());

const all = { fromDay: 0, toDay: 99_999_999 };
const allItems = (): TimelineItem[] => catalog.timeline.page({ ...all, limit: 10_000 }).items;

describe('local capture day', () => {
  it('is the date at UTC + offset, not the UTC date', () => {
    // 23:30 on 30 June in New York is 03:30 UTC on 1 July.
    expect(localDayOf(localTime(2024, 6, 30, 23, 30, -240))).toBe(20240630);
    // 00:30 on 1 July in Tokyo is 15:30 UTC on 30 June.
    expect(localDayOf(localTime(2024, 7, 1, 0, 30, 540))).toBe(20240701);
    // A zone-less time is floating: the computer's own calendar day.
    const floating = new Date(2024, 6, 1, 0, 30).getTime();
    expect(localDayOf({ utcMs: floating, offsetMinutes: null })).toBe(20240701);
  });
});

describe('timeline buckets', () => {
  it('buckets by local day and month across time zones', () => {
    catalog.assets.replaceDeviceAssets(phoneA, [
      makeAsset('ny', { captureTime: localTime(2024, 6, 30, 23, 30, -240) }),
      makeAsset('tokyo', { captureTime: localTime(2024, 7, 1, 0, 30, 540) }),
      makeAsset('berlin', { captureTime: localTime(2024, 7, 1, 0, 10, 120) }),
    ]);
    expect(catalog.timeline.buckets('day')).toEqual([
      { key: 20240701, count: 2 },
      { key: 20240630, count: 1 },
    ]);
    expect(catalog.timeline.buckets('month')).toEqual([
      { key: 202407, count: 2 },
      { key: 202406, count: 1 },
    ]);
    const june = catalog.timeline.page(monthRange(2024, 6)).items;
    expect(june.map((i) => i.originalName)).toEqual(['ny.HEIC']);
    expect(june[0]!.captureTime).toEqual(localTime(2024, 6, 30, 23, 30, -240));
    expect(catalog.timeline.buckets('day', { fromDay: 20240701, toDay: 20240701 })).toEqual([
      { key: 20240701, count: 2 },
    ]);
  });

  it('counts the same content on two phones and in the account once; removed assets not at all', () => {
    const h = sha('beach');
    const day = localTime(2024, 8, 3, 10, 0, 120);
    catalog.assets.replaceDeviceAssets(phoneA, [
      makeAsset('a1', { captureTime: day }),
      makeAsset('gone', { captureTime: day }),
    ]);
    catalog.assets.replaceDeviceAssets(phoneB, [makeAsset('b1', { captureTime: day })]);
    catalog.assets.replaceDestinationIndex(JOTTA, [
      makeAsset('UDID-A/a1', {
        captureTime: day,
        resources: [{ role: 'original', path: '2024/08/a1.HEIC', size: 1000, mtimeMs: 0, sha256: h }],
      }),
    ]);
    expect(catalog.timeline.buckets('day')).toEqual([{ key: 20240803, count: 4 }]);
    catalog.assets.setResourceHash(catalog.assets.findOnDevice(phoneA, 'a1')!.resources[0]!.id, h);
    catalog.assets.setResourceHash(catalog.assets.findOnDevice(phoneB, 'b1')!.resources[0]!.id, h);
    catalog.assets.replaceDeviceAssets(phoneA, [makeAsset('a1', { captureTime: day })]); // 'gone' deleted on the phone
    expect(catalog.timeline.buckets('day')).toEqual([{ key: 20240803, count: 1 }]);
    expect(catalog.timeline.buckets('month')).toEqual([{ key: 202408, count: 1 }]);
  });
});

describe('timeline pages', () => {
  it('merges phones and the account into one item with its badge inputs', () => {
    const h = sha('sunset');
    const time = localTime(2024, 8, 3, 20, 15, 120);
    catalog.assets.replaceDeviceAssets(phoneA, [makeAsset('a1', { captureTime: time })]);
    catalog.assets.replaceDeviceAssets(phoneB, [
      makeAsset('b1', {
        captureTime: time,
        flags: { favorite: false, hidden: false, recentlyDeleted: false, iCloudOnly: true },
      }),
    ]);
    for (const [device, key] of [
      [phoneA, 'a1'],
      [phoneB, 'b1'],
    ] as const) {
      catalog.assets.setResourceHash(catalog.assets.findOnDevice(device, key)!.resources[0]!.id, h);
    }
    catalog.assets.upsertDestinationItems(JOTTA, [
      makeAsset('UDID-A/a1', {
        captureTime: time,
        resources: [{ role: 'original', path: 'x', size: 1000, mtimeMs: 0, sha256: h }],
      }),
    ]);
    catalog.copies.plan(NAS, h, 1000);
    catalog.copies.transition(NAS, h, 'copying');
    catalog.copies.plan(JOTTA, h, 1000);
    catalog.copies.transition(JOTTA, h, 'copying');
    catalog.copies.transition(JOTTA, h, 'copied', { location: 'x' });
    catalog.copies.transition(JOTTA, h, 'verified');

    const items = allItems();
    expect(items).toHaveLength(1);
    const [item] = items;
    expect(item).toMatchObject({
      key: `sha256:${h}`,
      contentSha256: h,
      localDay: 20240803,
      originalName: 'a1.HEIC',
      inIndexOf: [JOTTA],
      onlyInAccount: false,
      iCloudOnly: false, // phone A has the full original
      sortMs: time.utcMs,
    });
    expect(item!.phones.map((p) => [p.udid, p.name, p.iCloudOnly])).toEqual([
      ['UDID-A', 'Anna’s iPhone', false],
      ['UDID-B', 'Ben’s iPhone', true],
    ]);
    expect(item!.copies).toEqual([
      { destinationId: JOTTA, state: 'verified' },
      { destinationId: NAS, state: 'copying' },
    ]);
  });

  it('shows an item freed from the phone as only in the account, and an iCloud-only one as such', () => {
    const h = sha('freed');
    catalog.assets.replaceDeviceAssets(phoneA, [
      makeAsset('freed', { captureTime: localTime(2023, 1, 2, 9, 0, 60) }),
      makeAsset('cloud', {
        captureTime: localTime(2023, 1, 2, 8, 0, 60),
        flags: { favorite: true, hidden: false, recentlyDeleted: false, iCloudOnly: true },
      }),
    ]);
    catalog.assets.setResourceHash(catalog.assets.findOnDevice(phoneA, 'freed')!.resources[0]!.id, h);
    catalog.assets.upsertDestinationItems(NAS, [
      makeAsset('UDID-A/freed', {
        captureTime: localTime(2023, 1, 2, 9, 0, 60),
        originalName: 'freed.HEIC',
        resources: [{ role: 'original', path: 'p', size: 1000, mtimeMs: 0, sha256: h }],
      }),
    ]);
    catalog.assets.markDeviceAssetsRemoved(phoneA, ['freed']);
    catalog.assets.replaceDestinationIndex(JOTTA, [
      makeAsset('old-camera/DSC_0001.JPG', {
        captureTime: localTime(2010, 5, 5, 12, 0, 0),
        originalName: 'DSC_0001.JPG',
        resources: [{ role: 'original', path: 'q', size: 5, mtimeMs: 0, sha256: sha('old') }],
      }),
    ]);

    const items = allItems();
    expect(items.map((i) => [i.originalName, i.onlyInAccount, i.iCloudOnly, i.phones.length, i.inIndexOf])).toEqual([
      ['freed.HEIC', true, false, 0, [NAS]],
      ['cloud.HEIC', false, true, 1, []],
      ['DSC_0001.JPG', true, false, 0, [JOTTA]],
    ]);
    expect(items[1]!.favorite).toBe(true);
    expect(catalog.timeline.buckets('month')).toEqual([
      { key: 202301, count: 2 },
      { key: 201005, count: 1 },
    ]);
  });

  it('pages newest first without gaps or repeats, also when capture instants are equal', () => {
    const assets = Array.from({ length: 25 }, (_, i) =>
      // Pairs of assets share an instant (burst-like), to exercise the tie-break on the key.
      makeAsset(`p${String(i).padStart(2, '0')}`, { captureTime: localTime(2024, 3, 10, 12, Math.floor(i / 2), 0) }),
    );
    catalog.assets.replaceDeviceAssets(phoneA, assets);
    const seen: string[] = [];
    let after;
    let pages = 0;
    do {
      const page = catalog.timeline.page({ ...monthRange(2024, 3), limit: 10, after });
      seen.push(...page.items.map((i) => i.originalName));
      after = page.next ?? undefined;
      pages++;
    } while (after);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(25);
    expect(new Set(seen).size).toBe(25);
    // Newest instant first; within one instant, the asset the catalog met first (lowest row id).
    const expected = assets
      .map((a, row) => ({ name: a.originalName, t: a.captureTime!.utcMs, row }))
      .sort((a, b) => b.t - a.t || a.row - b.row)
      .map((a) => a.name);
    expect(seen).toEqual(expected);
  });

  it('leaves undated assets out of the dated timeline but counts them', () => {
    catalog.assets.replaceDeviceAssets(phoneA, [makeAsset('dated'), makeAsset('undated', { captureTime: null })]);
    expect(allItems().map((i) => i.originalName)).toEqual(['dated.HEIC']);
    expect(catalog.timeline.undatedCount()).toBe(1);
  });
});
