import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/main/catalog/database';
import { localTime, makeAsset, sha } from './make-asset';

let catalog: Catalog;
let phone: number;
const NAS = 'local:/mnt/nas';

beforeEach(() => {
  catalog = Catalog.open(':memory:');
  phone = catalog.devices.upsert('UDID-A').id;
  catalog.destinations.upsert(NAS, 'local');
  catalog.destinations.upsert('s3:b', 's3');
  catalog.assets.replaceDeviceAssets(phone, [
    makeAsset('live', {
      kind: 'live',
      captureTime: localTime(2024, 1, 2, 3, 4, 0),
      resources: [
        { role: 'original', path: 'DCIM/100APPLE/IMG_0001.HEIC', size: 100, mtimeMs: 1 },
        { role: 'live-video', path: 'DCIM/100APPLE/IMG_0001.MOV', size: 200, mtimeMs: 1 },
      ],
    }),
    makeAsset('still', { captureTime: localTime(2024, 1, 3, 3, 4, 0) }),
    makeAsset('cloud', {
      captureTime: localTime(2024, 1, 4, 3, 4, 0),
      flags: { favorite: false, hidden: false, recentlyDeleted: false, iCloudOnly: true },
    }),
  ]);
});
afterEach(() => catalog.close());

function verify(destination: string, sha256: string) {
  catalog.copies.plan(destination, sha256, 1);
  catalog.copies.transition(destination, sha256, 'copying');
  catalog.copies.transition(destination, sha256, 'copied', { location: sha256 });
  catalog.copies.transition(destination, sha256, 'verified');
}

function hashAll(assetKey: string) {
  for (const r of catalog.assets.findOnDevice(phone, assetKey)!.resources)
    catalog.assets.setResourceHash(r.id, sha(r.path));
}

describe('backup queries', () => {
  it('lists every unverified file of present, non-iCloud-only assets, newest first', () => {
    const paths = catalog.backup.resourcesToBackUp(phone, NAS).map((r) => r.path);
    expect(paths).toEqual(['DCIM/100APPLE/still.HEIC', 'DCIM/100APPLE/IMG_0001.HEIC', 'DCIM/100APPLE/IMG_0001.MOV']);
  });

  it('drops a file once its copy is verified on that destination, not before and not elsewhere', () => {
    hashAll('live');
    const h = sha('DCIM/100APPLE/IMG_0001.HEIC');
    catalog.copies.plan(NAS, h, 100);
    catalog.copies.transition(NAS, h, 'copying');
    catalog.copies.transition(NAS, h, 'copied', { location: 'x' });
    expect(catalog.backup.resourcesToBackUp(phone, NAS).find((r) => r.sha256 === h)?.copyState).toBe('copied');
    catalog.copies.transition(NAS, h, 'verified');
    expect(catalog.backup.resourcesToBackUp(phone, NAS).map((r) => r.path)).not.toContain(
      'DCIM/100APPLE/IMG_0001.HEIC',
    );
    expect(catalog.backup.resourcesToBackUp(phone, 's3:b').map((r) => r.path)).toContain('DCIM/100APPLE/IMG_0001.HEIC');
  });

  it('calls an asset safe to free only when every file (Live Photo video too) is verified', () => {
    hashAll('live');
    hashAll('still');
    verify(NAS, sha('DCIM/100APPLE/IMG_0001.HEIC'));
    verify(NAS, sha('DCIM/100APPLE/still.HEIC'));
    expect(catalog.backup.assetsSafeToFree(phone, NAS).map((a) => a.assetKey)).toEqual(['still']);
    verify(NAS, sha('DCIM/100APPLE/IMG_0001.MOV'));
    expect(catalog.backup.assetsSafeToFree(phone, NAS)).toEqual([
      { assetRowId: expect.any(Number), assetKey: 'live', originalName: 'live.HEIC', bytes: 300 },
      { assetRowId: expect.any(Number), assetKey: 'still', originalName: 'still.HEIC', bytes: 1000 },
    ]);
    expect(catalog.backup.assetsSafeToFree(phone, 's3:b')).toEqual([]);
    // A copy found missing makes the asset unsafe again.
    catalog.copies.transition(NAS, sha('DCIM/100APPLE/IMG_0001.MOV'), 'missing', { error: 'gone' });
    expect(catalog.backup.assetsSafeToFree(phone, NAS).map((a) => a.assetKey)).toEqual(['still']);
  });

  it('never calls an unhashed file safe, even if some copy of unknown content is verified', () => {
    verify(NAS, sha('DCIM/100APPLE/still.HEIC'));
    expect(catalog.backup.assetsSafeToFree(phone, NAS)).toEqual([]);
  });
});
