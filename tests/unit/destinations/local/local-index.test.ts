/**
 * The in-memory index's bookkeeping of names and stems, which keeps hashes instead of key
 * strings (collision-map.ts): it must answer exactly as a plain map keyed by collision key would,
 * hash collisions included, and the compact copies it keeps must equal what was added.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CollisionMap } from '../../../../src/main/destinations/local/collision-map';
import type { LocalIndexEntry } from '../../../../src/main/destinations/local/index-journal';
import { LocalIndex } from '../../../../src/main/destinations/local/local-index';
import { collisionKey } from '../../../../src/main/destinations/safe-name';

const names = [
  'IMG_0001.HEIC',
  'img_0001.heic',
  'IMG_0002.HEIC',
  'Caf\u00e9.jpg',
  'Cafe\u0301.JPG',
  'stra\u00dfe',
  'STRASSE',
];
const operation = fc.record({
  op: fc.constantFrom('set', 'delete', 'get'),
  name: fc.constantFrom(...names),
  tag: fc.integer({ min: 0, max: 3 }),
});

describe('CollisionMap', () => {
  for (const [label, hash] of [
    ['its own hash', undefined],
    ['a hash under which everything collides', () => 7],
    ['a hash that keeps only the length', (key: string) => key.length],
  ] as const) {
    it(`behaves as a Map keyed by collision key, with ${label}`, () => {
      fc.assert(
        fc.property(fc.array(operation, { maxLength: 40 }), (ops) => {
          // Values carry their name, as the index's locations and groups do.
          const map = new CollisionMap<{ name: string; tag: number }>((value) => collisionKey(value.name), hash);
          const reference = new Map<string, { name: string; tag: number }>();
          for (const { op, name, tag } of ops) {
            const key = collisionKey(name);
            if (op === 'set') {
              map.set(key, { name, tag });
              reference.set(key, { name, tag });
            } else if (op === 'delete') {
              map.delete(key);
              reference.delete(key);
            }
            for (const other of names) expect(map.get(collisionKey(other))).toEqual(reference.get(collisionKey(other)));
          }
        }),
      );
    });
  }
});

function entry(location: string, overrides: Partial<LocalIndexEntry> = {}): LocalIndexEntry {
  const name = location.slice(location.lastIndexOf('/') + 1);
  return {
    location,
    stem: name.replace(/\.[^.]*$/, ''),
    size: 10,
    hashes: { sha256: location.length.toString(16).padStart(64, 'a') },
    assetId: `asset-${name}`,
    sourceDevice: 'phone-A',
    role: 'original',
    assetName: name,
    fileName: name,
    captureTime: { utcMs: Date.UTC(2024, 4, 12), offsetMinutes: 120, source: 'exif' },
    modifiedMs: null,
    storedAtMs: 1,
    ...overrides,
  };
}

describe('LocalIndex', () => {
  it('finds a name or stem taken by a case or normalisation twin, and frees it on delete', () => {
    const index = new LocalIndex();
    index.add(entry('2024/05/Caf\u00e9.HEIC', { hashes: { sha256: 'b'.repeat(64) } }));
    expect(index.nameTaken('2024/05', 'CAFE\u0301.heic')).toBe(true);
    expect(index.nameTaken('2024/06', 'Caf\u00e9.HEIC')).toBe(false);
    expect(index.stemOwner('2024/05', 'caf\u00e9')).toMatchObject({
      sourceDevice: 'phone-A',
      assetId: 'asset-Caf\u00e9.HEIC',
    });
    index.delete('2024/05/Caf\u00e9.HEIC');
    expect(index.nameTaken('2024/05', 'Caf\u00e9.HEIC')).toBe(false);
    // The group keeps its stem for the asset's other files.
    expect(index.stemOwner('2024/05', 'Caf\u00e9')).toMatchObject({ assetId: 'asset-Caf\u00e9.HEIC' });
  });

  it('holds a reserved name until released, and keeps it once its file is indexed', () => {
    const index = new LocalIndex();
    index.reserveName('2024/05', 'IMG_0001.HEIC');
    expect(index.nameTaken('2024/05', 'img_0001.heic')).toBe(true);
    index.releaseName('2024/05', 'IMG_0001.HEIC');
    expect(index.nameTaken('2024/05', 'IMG_0001.HEIC')).toBe(false);
    index.reserveName('2024/05', 'IMG_0001.HEIC');
    index.add(entry('2024/05/IMG_0001.HEIC'));
    expect(index.nameTaken('2024/05', 'IMG_0001.HEIC')).toBe(true);
  });

  it('keeps one group per asset and phone: the same asset id from another phone is another asset', () => {
    const index = new LocalIndex();
    index.add(entry('2024/05/IMG_0001.HEIC', { assetId: 'same' }));
    index.claimStem('2024/05', 'IMG_0001 (1)', { sourceDevice: 'phone-B', assetId: 'same' });
    index.add(entry('2024/06/IMG_0001.MOV', { assetId: 'same', stem: 'IMG_0001', role: 'live-video' }));
    expect(index.group({ sourceDevice: 'phone-A', assetId: 'same' })).toEqual({
      sourceDevice: 'phone-A',
      assetId: 'same',
      folder: '2024/05', // the group's first file's folder, whatever the later ones say
      stem: 'IMG_0001',
    });
    expect(index.group({ sourceDevice: 'phone-B', assetId: 'same' })).toEqual({
      sourceDevice: 'phone-B',
      assetId: 'same',
      folder: '2024/05',
      stem: 'IMG_0001 (1)',
    });
    expect(index.group({ sourceDevice: 'phone-C', assetId: 'same' })).toBeUndefined();
    expect(index.stemOwner('2024/05', 'img_0001 (1)')).toMatchObject({ sourceDevice: 'phone-B' });
  });

  it('keeps a copy equal to what was added, MD5 and references included', () => {
    const index = new LocalIndex();
    const added = entry('2024/05/IMG_0007.MOV', {
      stem: 'IMG_0007',
      role: 'live-video',
      assetName: 'IMG_0007.HEIC',
      hashes: { sha256: 'c'.repeat(64), md5: 'd'.repeat(32) },
      alsoReferencedBy: [{ assetId: 'twin', sourceDevice: 'phone-A', role: 'original', assetName: 'IMG_0009.HEIC' }],
    });
    index.add(structuredClone(added));
    expect(index.entries.get(added.location)).toStrictEqual(added);
    expect(index.findByMd5('d'.repeat(32))?.location).toBe(added.location);
    const plain = entry('2024/05/IMG_0008.HEIC', { captureTime: null });
    index.add(structuredClone(plain));
    expect(index.entries.get(plain.location)).toStrictEqual(plain);
  });
});
