/**
 * The pipeline and a destination's hash needs: a destination that must know the MD5 before the
 * first byte (Jottacloud) gets it, measured from the phone's bytes; a local folder is not made
 * to measure MD5 at all. And the phone is let go as soon as its last byte has come.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileCopier } from '../../../src/main/backup/file-copier';
import type { PhoneFiles } from '../../../src/main/backup/phone-files';
import { planBackup } from '../../../src/main/backup/plan';
import type { Catalog } from '../../../src/main/catalog/database';
import type { Destination, PutItem } from '../../../src/main/destinations/destination';
import type { LocalDestination } from '../../../src/main/destinations/local/local-destination';
import { asset, type CatalogAndFolder, openCatalogAndFolder } from './catalog-and-folder';

const UDID = 'phone-1';
const hex = (algorithm: string, data: Buffer) => createHash(algorithm).update(data).digest('hex');

let fixture: CatalogAndFolder;
let catalog: Catalog;
let local: LocalDestination;
let deviceId: number;
const photo = Buffer.from('a photo, not really '.repeat(5000));

beforeEach(async () => {
  fixture = await openCatalogAndFolder('rk-copier-', UDID);
  ({ catalog, destination: local, deviceId } = fixture);
  catalog.assets.replaceDeviceAssets(deviceId, [
    asset('a1', Date.UTC(2024, 0, 1), [{ path: 'DCIM/100APPLE/IMG_0001.HEIC', data: photo }]),
  ]);
});
afterEach(() => fixture.close());

/** A phone holding `photo`, counting reads, and noting when the pipeline is done with it. */
function fakePhone() {
  const log: string[] = [];
  const phone = {
    udid: UDID,
    async read<T>(_path: string, _size: number, _signal: AbortSignal, consume: (body: Readable) => Promise<T>) {
      log.push('read');
      const chunks = Array.from({ length: Math.ceil(photo.length / 16_384) }, (_, i) =>
        photo.subarray(i * 16_384, (i + 1) * 16_384),
      );
      return consume(Readable.from(chunks));
    },
  };
  return { phone: phone as unknown as PhoneFiles, log };
}

/** The local folder dressed up as a destination that must know MD5 before the write. */
function needingMd5(inner: LocalDestination, seen: PutItem[]): Destination {
  return {
    kind: 'md5-first',
    description: inner.description,
    capabilities: { ...inner.capabilities, hashesNeededBeforeWrite: ['md5'] },
    put: (item, body, options) => {
      seen.push(item);
      return inner.put(item, body, options);
    },
    stat: (location) => inner.stat(location),
    findByHash: (hashes) => inner.findByHash(hashes),
    list: (options) => inner.list(options),
    openRead: (location, options) => inner.openRead(location, options),
    remove: (location, options) => inner.remove(location, options),
    freeSpace: () => inner.freeSpace(),
    close: () => inner.close(),
  };
}

describe('hashes the destination needs', () => {
  it('measures the MD5 first (one extra read) for a destination that needs it before the write', async () => {
    const seen: PutItem[] = [];
    const { phone, log } = fakePhone();
    const copier = new FileCopier({
      catalog,
      destination: needingMd5(local, seen),
      destinationId: local.id,
      phone,
      runId: catalog.runs.start('backup', { deviceId, destinationId: local.id }).id,
    });
    const [file] = planBackup(catalog, deviceId, local.id);
    const outcome = await copier.copy(file!, new AbortController().signal, () => undefined);
    expect(outcome).toMatchObject({ kind: 'copied', sha256: hex('sha256', photo) });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.hashes).toEqual({ sha256: hex('sha256', photo), md5: hex('md5', photo) });
    expect(log).toEqual(['read', 'read']);
    // Read back without `measureStored` (the wrapper has none): the stream path verifies too.
    expect(catalog.copies.get(local.id, hex('sha256', photo))?.state).toBe('verified');
  });

  it('reads once and lets the local folder skip MD5; says when the phone is no longer needed', async () => {
    const { phone, log } = fakePhone();
    const copier = new FileCopier({
      catalog,
      destination: local,
      destinationId: local.id,
      phone,
      runId: catalog.runs.start('backup', { deviceId, destinationId: local.id }).id,
    });
    const [file] = planBackup(catalog, deviceId, local.id);
    const events: string[] = [];
    const outcome = await copier.copy(
      file!,
      new AbortController().signal,
      () => undefined,
      () => events.push(`phone done, ${catalog.copies.get(local.id, hex('sha256', photo))?.state ?? 'no copy yet'}`),
    );
    events.push('copy done');
    expect(outcome).toMatchObject({ kind: 'copied', sha256: hex('sha256', photo) });
    expect(log).toEqual(['read']);
    expect((await local.findByHash({ sha256: hex('sha256', photo) }))?.hashes).toEqual({
      sha256: hex('sha256', photo),
    });
    // The phone was let go before the copy was committed and verified.
    expect(events).toEqual(['phone done, no copy yet', 'copy done']);
    expect(catalog.copies.get(local.id, hex('sha256', photo))?.state).toBe('verified');
  });
});
