import fsp from 'node:fs/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ResourceRole } from '../../../../src/shared/asset';
import { LocalDestination } from '../../../../src/main/destinations/local/local-destination';
import { nodeFs } from '../../../../src/main/destinations/local/local-fs';
import { collisionKey } from '../../../../src/main/destinations/safe-name';
import { bodyOf, content, expectSameBytes, itemFor, makeTempFolder, readAll } from './helpers';
import { foldingFs } from './folding-fs';

const stems = [
  'IMG_0001',
  'img_0001',
  'Img_0001',
  'Caf\u00e9',
  'Cafe\u0301',
  'CAF\u00c9',
  'stra\u00dfe',
  'STRASSE',
  'CON',
  '..',
];
const extensions = ['.JPG', '.jpg', '.HEIC', '.heic', '.MOV', ''];
const roles: ResourceRole[] = ['original', 'live-video', 'edited', 'adjustment', 'other'];

const putArbitrary = fc.record({
  asset: fc.integer({ min: 0, max: 5 }),
  stem: fc.constantFrom(...stems),
  fileExtension: fc.constantFrom(...extensions),
  role: fc.constantFrom(...roles),
});

describe('naming on a case- and normalisation-insensitive file system', () => {
  it('never lets one file overwrite another, and keeps each asset under one stem', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(putArbitrary, { minLength: 1, maxLength: 12 }), async (puts) => {
        const root = await makeTempFolder('rk-fold-');
        const destination = await LocalDestination.open(root, { fs: foldingFs(nodeFs) });
        try {
          const assetNames = new Map<number, string>();
          const stored: Array<{ location: string; data: Buffer; asset: number }> = [];
          for (const put of puts) {
            // An asset's name is fixed by its first file (as in the library).
            const assetName = assetNames.get(put.asset) ?? `${put.stem}.HEIC`;
            assetNames.set(put.asset, assetName);
            const data = content(64 + stored.length);
            const fileName = `${put.stem}${put.fileExtension}`;
            const result = await destination.put(
              itemFor(data, { assetId: `asset-${put.asset}`, assetName, fileName, role: put.role }),
              bodyOf(data),
            );
            stored.push({ location: result.location, data, asset: put.asset });
          }
          // No two stored files share a name, even folded.
          const keys = stored.map((s) => collisionKey(s.location));
          expect(new Set(keys).size).toBe(stored.length);
          // Every file still holds its own bytes: nothing was overwritten.
          for (const { location, data } of stored)
            expectSameBytes(await readAll(await destination.openRead(location)), data);
          // Each asset's files share one stem (the part before any role tag or extension).
          for (const asset of new Set(stored.map((s) => s.asset))) {
            const stemsOfAsset = new Set(
              stored
                .filter((s) => s.asset === asset)
                .map((s) =>
                  s.location
                    .split('/')
                    .pop()!
                    .replace(/( \((edited|adjustments|other)\))?( \[\d+\])?(\.[A-Za-z0-9]+)?$/, ''),
                ),
            );
            expect(stemsOfAsset.size).toBe(1);
          }
        } finally {
          await destination.close();
          await fsp.rm(root, { recursive: true, force: true });
        }
      }),
      { numRuns: 40 },
    );
  });
});
