import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Asset } from '../../../src/shared/asset';
import { Catalog } from '../../../src/main/catalog/database';
import { makeAsset, sha } from './make-asset';

let catalog: Catalog;
let t: number;
let phone: number;

beforeEach(() => {
  t = 1_000;
  catalog = Catalog.open(':memory:', { now: () => t++ });
  phone = catalog.devices.upsert('UDID-A', { name: 'iPhone A' }).id;
});
afterEach(() => catalog.close());

/** Rows SQLite inserted, updated or deleted since the connection opened. */
const rowsWritten = () => (catalog.db.prepare('SELECT total_changes() AS n').get() as { n: number }).n;

const library = (n: number): Asset[] => Array.from({ length: n }, (_, i) => makeAsset(`uuid-${i}`));

describe('replaceDeviceAssets', () => {
  it('adds a new library with its resources', () => {
    const live = makeAsset('live-1', {
      kind: 'live',
      resources: [
        { role: 'original', path: 'DCIM/100APPLE/IMG_0001.HEIC', size: 2_000_000, mtimeMs: 5 },
        { role: 'live-video', path: 'DCIM/100APPLE/IMG_0001.MOV', size: 3_000_000, mtimeMs: 5 },
      ],
    });
    expect(catalog.assets.replaceDeviceAssets(phone, [live, makeAsset('p-2')])).toEqual({
      added: 2,
      changed: 0,
      unchanged: 0,
      restored: 0,
      removed: 0,
    });
    const stored = catalog.assets.findOnDevice(phone, 'live-1')!;
    expect(stored).toMatchObject({
      kind: 'live',
      deviceId: phone,
      destinationId: null,
      removedMs: null,
      localDay: 20240601,
    });
    expect(stored.resources.map((r) => [r.role, r.path, r.size])).toEqual([
      ['original', 'DCIM/100APPLE/IMG_0001.HEIC', 2_000_000],
      ['live-video', 'DCIM/100APPLE/IMG_0001.MOV', 3_000_000],
    ]);
  });

  it('writes no row at all when a rescan finds nothing changed', () => {
    catalog.assets.replaceDeviceAssets(phone, library(2_000));
    const before = rowsWritten();
    const counts = catalog.assets.replaceDeviceAssets(phone, library(2_000));
    expect(counts).toEqual({ added: 0, changed: 0, unchanged: 2_000, restored: 0, removed: 0 });
    expect(rowsWritten()).toBe(before);
  });

  it('rewrites only the changed asset and marks the missing one removed', () => {
    catalog.assets.replaceDeviceAssets(phone, library(1_000));
    const next = library(1_000).filter((a) => a.id !== 'uuid-7');
    next[3] = { ...next[3]!, flags: { ...next[3]!.flags, favorite: true } };
    const before = rowsWritten();
    const counts = catalog.assets.replaceDeviceAssets(phone, next);
    expect(counts).toEqual({ added: 0, changed: 1, unchanged: 998, restored: 0, removed: 1 });
    // One asset update + one removal mark: the resource of the changed asset was the same file.
    expect(rowsWritten() - before).toBe(2);
    expect(catalog.assets.findOnDevice(phone, 'uuid-3')!.flags.favorite).toBe(true);
    const gone = catalog.assets.findOnDevice(phone, 'uuid-7')!;
    expect(gone.removedMs).not.toBeNull();
    expect(catalog.assets.listOnDevice(phone)).toHaveLength(999);
    expect(catalog.assets.listOnDevice(phone, { includeRemoved: true })).toHaveLength(1_000);
  });

  it('restores an asset that reappears (e.g. put back from Recently Deleted)', () => {
    catalog.assets.replaceDeviceAssets(phone, [makeAsset('a'), makeAsset('b')]);
    catalog.assets.replaceDeviceAssets(phone, [makeAsset('a')]);
    expect(catalog.assets.replaceDeviceAssets(phone, [makeAsset('a'), makeAsset('b')])).toMatchObject({
      restored: 1,
      unchanged: 1,
    });
    expect(catalog.assets.findOnDevice(phone, 'b')!.removedMs).toBeNull();
  });

  it('keeps a hash the backup recorded across rescans, and drops it when the file changes', () => {
    catalog.assets.replaceDeviceAssets(phone, [makeAsset('a')]);
    const resource = catalog.assets.findOnDevice(phone, 'a')!.resources[0]!;
    catalog.assets.setResourceHash(resource.id, sha('a-bytes'));
    expect(catalog.assets.findOnDevice(phone, 'a')!.contentSha256).toBe(sha('a-bytes'));

    // A rescan where only the favourite flag changed: same file, the hash stays.
    const favourite = makeAsset('a', {
      flags: { favorite: true, hidden: false, recentlyDeleted: false, iCloudOnly: false },
    });
    catalog.assets.replaceDeviceAssets(phone, [favourite]);
    expect(catalog.assets.findOnDevice(phone, 'a')!.resources[0]!.sha256).toBe(sha('a-bytes'));
    expect(catalog.assets.findOnDevice(phone, 'a')!.contentSha256).toBe(sha('a-bytes'));

    // The file itself changed (new size): the old hash no longer describes it.
    const rewritten = { ...favourite, resources: [{ ...favourite.resources[0]!, size: 2222 }] };
    catalog.assets.replaceDeviceAssets(phone, [rewritten]);
    const after = catalog.assets.findOnDevice(phone, 'a')!;
    expect(after.resources[0]!.sha256).toBeNull();
    expect(after.contentSha256).toBeNull();
    expect(after.resources[0]!.id).toBe(resource.id);
  });

  it('rejects a malformed hash', () => {
    catalog.assets.replaceDeviceAssets(phone, [makeAsset('a')]);
    const resource = catalog.assets.findOnDevice(phone, 'a')!.resources[0]!;
    expect(() => catalog.assets.setResourceHash(resource.id, 'ABC')).toThrow(/SHA-256/);
  });

  it('a snapshot that never finishes removes nothing', () => {
    catalog.assets.replaceDeviceAssets(phone, library(10));
    const snapshot = catalog.assets.deviceSnapshot(phone);
    snapshot.add(library(3)); // the scan is cancelled after three assets
    expect(catalog.assets.listOnDevice(phone)).toHaveLength(10);
    const full = catalog.assets.deviceSnapshot(phone);
    full.add(library(10).slice(0, 5));
    full.add(library(10).slice(5, 8));
    expect(full.finish()).toEqual({ added: 0, changed: 0, unchanged: 8, restored: 0, removed: 2 });
    expect(() => full.finish()).toThrow(/finished/);
  });

  it('keeps phones apart: the same library id on two phones is two assets', () => {
    const other = catalog.devices.upsert('UDID-B', { name: 'iPhone B' }).id;
    catalog.assets.replaceDeviceAssets(phone, [makeAsset('same')]);
    catalog.assets.replaceDeviceAssets(other, [makeAsset('same')]);
    catalog.assets.replaceDeviceAssets(other, []);
    expect(catalog.assets.findOnDevice(phone, 'same')!.removedMs).toBeNull();
    expect(catalog.assets.findOnDevice(other, 'same')!.removedMs).not.toBeNull();
  });

  it('finds the same content on two phones and in a destination index once it is hashed', () => {
    const other = catalog.devices.upsert('UDID-B').id;
    catalog.destinations.upsert('jotta:Photos', 'jottacloud', 'Jottacloud');
    catalog.assets.replaceDeviceAssets(phone, [makeAsset('x')]);
    catalog.assets.replaceDeviceAssets(other, [makeAsset('y')]);
    const h = sha('shared');
    catalog.assets.replaceDestinationIndex('jotta:Photos', [
      makeAsset('UDID-A/x', {
        resources: [{ role: 'original', path: '2024/06/x.HEIC', size: 1000, mtimeMs: 0, sha256: h }],
      }),
    ]);
    expect(catalog.assets.findByContent(h)).toHaveLength(1);
    catalog.assets.setResourceHash(catalog.assets.findOnDevice(phone, 'x')!.resources[0]!.id, h);
    catalog.assets.setResourceHash(catalog.assets.findOnDevice(other, 'y')!.resources[0]!.id, h);
    const found = catalog.assets.findByContent(h);
    const where = found.map((a) => (a.deviceId !== null ? `device:${a.deviceId}` : `dest:${a.destinationId}`));
    expect(where.sort()).toEqual(['dest:jotta:Photos', `device:${other}`, `device:${phone}`].sort());
  });

  it('markDeviceAssetsRemoved marks only that phone’s named assets', () => {
    catalog.assets.replaceDeviceAssets(phone, library(3));
    expect(catalog.assets.markDeviceAssetsRemoved(phone, ['uuid-0', 'uuid-2', 'no-such'])).toBe(2);
    expect(catalog.assets.listOnDevice(phone).map((a) => a.key)).toEqual(['uuid-1']);
  });
});
