import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/main/catalog/database';
import { makeAsset } from './make-asset';

/** A library snapshot: asset id → a version (a changed version is an edited/favourited asset). */
const snapshot = fc.dictionary(fc.integer({ min: 0, max: 12 }).map(String), fc.integer({ min: 0, max: 2 }), {
  maxKeys: 13,
});

const assetAt = (id: string, version: number) =>
  makeAsset(`id-${id}`, {
    flags: { favorite: version === 1, hidden: version === 2, recentlyDeleted: false, iCloudOnly: false },
  });

describe('replaceDeviceAssets against a model', () => {
  it('after any sequence of rescans, holds exactly the last listing and counts what changed', () => {
    fc.assert(
      fc.property(fc.array(snapshot, { minLength: 1, maxLength: 8 }), (snapshots) => {
        const catalog = Catalog.open(':memory:');
        try {
          const phone = catalog.devices.upsert('UDID').id;
          // The model: what the catalog held (id → version) and which of those are present.
          const held = new Map<string, number>();
          const present = new Set<string>();
          for (const snap of snapshots) {
            const expected = { added: 0, changed: 0, unchanged: 0, restored: 0, removed: 0 };
            for (const [id, version] of Object.entries(snap)) {
              if (!held.has(id)) expected.added++;
              else if (!present.has(id)) expected.restored++;
              else if (held.get(id) !== version) expected.changed++;
              else expected.unchanged++;
            }
            for (const id of present) if (!(id in snap)) expected.removed++;

            const counts = catalog.assets.replaceDeviceAssets(
              phone,
              Object.entries(snap).map(([id, v]) => assetAt(id, v)),
            );
            expect(counts).toEqual(expected);

            present.clear();
            for (const [id, version] of Object.entries(snap)) {
              held.set(id, version);
              present.add(id);
            }
            const listed = catalog.assets.listOnDevice(phone);
            expect(listed.map((a) => a.key).sort()).toEqual([...present].map((id) => `id-${id}`).sort());
            for (const a of listed) expect(a.flags.favorite).toBe(held.get(a.key.slice(3)) === 1);
          }
        } finally {
          catalog.close();
        }
      }),
      { numRuns: 150 },
    );
  });
});
