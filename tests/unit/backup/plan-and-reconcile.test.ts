/**
 * Planning and reconciling against a real catalog (in memory) and a real local destination (a
 * temp folder): what a run plans, in what order, and how a killed run's leftovers are settled.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Asset } from '../../../src/shared/asset';
import { planBackup } from '../../../src/main/backup/plan';
import { reconcile } from '../../../src/main/backup/reconcile';
import type { Catalog } from '../../../src/main/catalog/database';
import type { LocalDestination } from '../../../src/main/destinations/local/local-destination';
import { asset, type CatalogAndFolder, openCatalogAndFolder } from './catalog-and-folder';

const UDID = 'phone-1';
const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const bytes = (text: string) => Buffer.from(text.repeat(100));

let fixture: CatalogAndFolder;
let catalog: Catalog;
let destination: LocalDestination;
let deviceId: number;

beforeEach(async () => {
  fixture = await openCatalogAndFolder('rk-plan-', UDID);
  ({ catalog, destination, deviceId } = fixture);
});
afterEach(() => fixture.close());

describe('planBackup', () => {
  const old = asset('old', Date.UTC(2020, 0, 1), [{ path: 'DCIM/100APPLE/IMG_0001.HEIC', data: bytes('a') }]);
  const live = asset('live', Date.UTC(2024, 0, 1), [
    { path: 'DCIM/100APPLE/IMG_0002.HEIC', data: bytes('b') },
    { path: 'DCIM/100APPLE/IMG_0002.MOV', data: bytes('c'), role: 'live-video' },
  ]);
  const mid = asset('mid', Date.UTC(2022, 0, 1), [{ path: 'DCIM/100APPLE/IMG_0003.JPG', data: bytes('d') }]);

  it("plans every file newest first, a Live Photo's halves together; oldest first on request", () => {
    catalog.assets.replaceDeviceAssets(deviceId, [old, live, mid]);
    const newest = planBackup(catalog, deviceId, destination.id).map((f) => f.path);
    expect(newest).toEqual([
      'DCIM/100APPLE/IMG_0002.HEIC',
      'DCIM/100APPLE/IMG_0002.MOV',
      'DCIM/100APPLE/IMG_0003.JPG',
      'DCIM/100APPLE/IMG_0001.HEIC',
    ]);
    const oldest = planBackup(catalog, deviceId, destination.id, 'oldest-first').map((f) => f.path);
    expect(oldest).toEqual([
      'DCIM/100APPLE/IMG_0001.HEIC',
      'DCIM/100APPLE/IMG_0003.JPG',
      'DCIM/100APPLE/IMG_0002.HEIC',
      'DCIM/100APPLE/IMG_0002.MOV',
    ]);
  });

  it('leaves out files verified on this destination, keeps those verified only elsewhere', () => {
    catalog.assets.replaceDeviceAssets(deviceId, [old, mid]);
    const [first] = planBackup(catalog, deviceId, destination.id);
    const hash = sha(bytes('d'));
    catalog.assets.setResourceHash(first!.resourceId, hash);
    catalog.destinations.upsert('elsewhere', 'local');
    catalog.copies.plan(destination.id, hash, first!.size);
    catalog.copies.transition(destination.id, hash, 'copying');
    catalog.copies.transition(destination.id, hash, 'copied', { location: 'x' });
    catalog.copies.transition(destination.id, hash, 'verified');
    expect(planBackup(catalog, deviceId, destination.id).map((f) => f.path)).toEqual(['DCIM/100APPLE/IMG_0001.HEIC']);
    expect(planBackup(catalog, deviceId, 'elsewhere')).toHaveLength(2);
  });
});

describe('reconcile after a killed run', () => {
  async function store(a: Asset, data: Buffer, modifiedMs = 1_000): Promise<string> {
    const r = a.resources[0]!;
    const put = await destination.put(
      {
        assetId: a.id,
        sourceDevice: UDID,
        captureTime: a.captureTime,
        assetName: a.originalName,
        fileName: path.posix.basename(r.path),
        role: r.role,
        size: data.length,
        modifiedMs,
      },
      Readable.from([data]),
    );
    return put.location;
  }

  it('settles copying copies by the destination index and adopts committed files', async () => {
    const committed = asset('c', 3, [{ path: 'DCIM/100APPLE/IMG_0010.HEIC', data: bytes('committed') }]);
    const notHashed = asset('n', 2, [{ path: 'DCIM/100APPLE/IMG_0011.HEIC', data: bytes('stored before the crash') }]);
    const changed = asset('m', 1, [{ path: 'DCIM/100APPLE/IMG_0012.HEIC', data: bytes('changed since') }]);
    catalog.assets.replaceDeviceAssets(deviceId, [committed, notHashed, changed]);
    const plan = planBackup(catalog, deviceId, destination.id);
    // A claimed copy whose write committed, and one whose write never happened.
    const committedHash = sha(bytes('committed'));
    catalog.assets.setResourceHash(plan[0]!.resourceId, committedHash);
    catalog.copies.plan(destination.id, committedHash, plan[0]!.size);
    catalog.copies.transition(destination.id, committedHash, 'copying');
    const location = await store(committed, bytes('committed'));
    const lostHash = sha(bytes('lost'));
    catalog.copies.plan(destination.id, lostHash, 400);
    catalog.copies.transition(destination.id, lostHash, 'copying');
    // Files committed at the destination before the catalog heard of them.
    const adoptedLocation = await store(notHashed, bytes('stored before the crash'));
    await store(changed, bytes('changed since'), 2_000); // phone's mtime is 1000: not the same file

    const result = await reconcile(catalog, destination, destination.id, deviceId, UDID);
    expect(result).toEqual({ committed: 1, abandoned: 1, adopted: 1 });
    expect(catalog.copies.get(destination.id, committedHash)).toMatchObject({ state: 'copied', location });
    expect(catalog.copies.get(destination.id, lostHash)).toMatchObject({ state: 'failed' });
    const after = planBackup(catalog, deviceId, destination.id);
    expect(after.map((f) => [f.path, f.copyState])).toEqual([
      ['DCIM/100APPLE/IMG_0010.HEIC', 'copied'],
      ['DCIM/100APPLE/IMG_0011.HEIC', 'copied'],
      ['DCIM/100APPLE/IMG_0012.HEIC', null],
    ]);
    expect(catalog.copies.get(destination.id, sha(bytes('stored before the crash')))?.location).toBe(adoptedLocation);
    // Nothing is called verified by reconciling: only a read-back may do that.
    expect(catalog.copies.countByState(destination.id).verified).toBe(0);
  });
});
