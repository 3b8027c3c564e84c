/**
 * The pipeline under the recycling reader's contract (PhoneFiles.read: a chunk is valid only
 * until the next one is asked for). The fake phone here enforces it harshly: asking for the next
 * chunk scribbles over the previous one. Small pieces the pipeline batches must be copied first;
 * large ones reach the destination as the phone's own memory, with no copy.
 */
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileCopier } from '../../../src/main/backup/file-copier';
import type { PhoneFiles } from '../../../src/main/backup/phone-files';
import { planBackup } from '../../../src/main/backup/plan';
import type { Destination } from '../../../src/main/destinations/destination';
import { asset, type CatalogAndFolder, openCatalogAndFolder } from './catalog-and-folder';

const UDID = 'phone-1';
const KiB = 1024;
const MiB = 1024 * KiB;
const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** Pieces as replies come: small ones (a short read, a file's tail) and large ones. */
const PIECES = [64 * KiB, 64 * KiB, 100 * KiB, 2 * MiB, 300 * KiB, MiB + 5, 10, 700 * KiB, 3 * MiB, 17];
const photo = Buffer.from(
  Array.from({ length: PIECES.reduce((a, b) => a + b, 0) }, (_, i) => (i * 7 + (i >> 13)) & 0xff),
);

let fixture: CatalogAndFolder;

beforeEach(async () => {
  fixture = await openCatalogAndFolder('rk-recycled-', UDID);
  fixture.catalog.assets.replaceDeviceAssets(fixture.deviceId, [
    asset('a1', Date.UTC(2024, 0, 1), [{ path: 'DCIM/100APPLE/IMG_0001.MOV', data: photo }]),
  ]);
});
afterEach(() => fixture.close());

/** A phone whose body reuses two buffers and scribbles over a chunk once the next is asked for. */
function recyclingPhone(ring: Buffer[]) {
  const phone = {
    udid: UDID,
    async read<T>(_path: string, _size: number, _signal: AbortSignal, consume: (body: unknown) => Promise<T>) {
      let index = 0;
      let at = 0;
      let previous: Buffer | undefined;
      const body = {
        [Symbol.asyncIterator]() {
          return body;
        },
        async next(): Promise<IteratorResult<Buffer, undefined>> {
          previous?.fill(0xee);
          if (index >= PIECES.length) return { done: true, value: undefined };
          const size = PIECES[index]!;
          const chunk = ring[index % ring.length]!.subarray(0, size);
          photo.copy(chunk, 0, at, at + size);
          at += size;
          index++;
          previous = chunk;
          return { done: false, value: chunk };
        },
        async return(): Promise<IteratorResult<Buffer, undefined>> {
          previous?.fill(0xee);
          return { done: true, value: undefined };
        },
        destroy() {},
      };
      return consume(body);
    },
  };
  return phone as unknown as PhoneFiles;
}

describe('the pipeline with recycled phone chunks', () => {
  it('stores the exact bytes: kept pieces are copied, large ones pass through as the phone’s memory', async () => {
    const { catalog, destination: local, deviceId } = fixture;
    const ring = [Buffer.alloc(3 * MiB), Buffer.alloc(3 * MiB)];
    const seen: Array<{ length: number; phoneMemory: boolean }> = [];
    // The local folder, noting what memory each piece it is given lives in.
    const watching: Destination = Object.assign(Object.create(local) as Destination, {
      put: (item: Parameters<Destination['put']>[0], body: AsyncIterable<Uint8Array>, options: object) =>
        local.put(
          item,
          (async function* () {
            for await (const chunk of body) {
              seen.push({ length: chunk.byteLength, phoneMemory: ring.some((b) => b.buffer === chunk.buffer) });
              yield chunk;
            }
          })(),
          options,
        ),
    });
    const copier = new FileCopier({
      catalog,
      destination: watching,
      destinationId: local.id,
      phone: recyclingPhone(ring),
      runId: catalog.runs.start('backup', { deviceId, destinationId: local.id }).id,
    });
    const [file] = planBackup(catalog, deviceId, local.id);
    const outcome = await copier.copy(file!, new AbortController().signal, () => undefined);
    expect(outcome).toMatchObject({ kind: 'copied', sha256: sha256(photo) });
    expect(catalog.copies.get(local.id, sha256(photo))?.state).toBe('verified');
    // 228 KiB of small pieces and the head of the 2 MiB one fill a 1 MiB batch; the rest of that
    // one (over 1 MiB) passes through. 300 KiB + the head of MiB+5 fill the next batch; its rest,
    // 10 B and 700 KiB wait, then the head of the 3 MiB one completes that batch and its rest
    // passes through. Only those rests are the phone's own memory.
    expect(seen.filter((piece) => piece.phoneMemory).map((piece) => piece.length)).toEqual([
      2 * MiB - (MiB - 228 * KiB),
      3 * MiB - (MiB - (300 * KiB + 5 + 10 + 700 * KiB)),
    ]);
    expect(seen.reduce((sum, piece) => sum + piece.length, 0)).toBe(photo.length);
    for (const piece of seen) expect(piece.length).toBeGreaterThan(0);
  });
});
