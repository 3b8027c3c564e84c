import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  collisionKey,
  composeName,
  MAX_NAME_BYTES,
  nameBytes,
  resolveInside,
  safeNameParts,
  truncateToBytes,
} from '../../../src/main/destinations/safe-name';

/** A final name as the local destination builds it from a phone name. */
function finalName(raw: string): string {
  const { stem, extension } = safeNameParts(raw);
  return composeName(stem, '', extension);
}

function assertSafe(name: string): void {
  expect(name).not.toMatch(/[/\\\0<>:"|?*]/);
  // eslint-disable-next-line no-control-regex
  expect(name).not.toMatch(/[\u0000-\u001f\u007f]/);
  expect(name).not.toMatch(/^\./);
  expect(name).not.toMatch(/[. ]$/);
  expect(name).not.toBe('');
  expect(nameBytes(name)).toBeLessThanOrEqual(MAX_NAME_BYTES);
  expect(name.split('.')[0]!.trimEnd()).not.toMatch(/^(con|prn|aux|nul|com\d|lpt\d)$/i);
  const root = path.resolve('/backup/root');
  expect(path.dirname(resolveInside(root, name)!)).toBe(root);
}

describe('safe names from hostile phone names', () => {
  const hostile: Array<[string, string]> = [
    ['..', 'unnamed'],
    ['.', 'unnamed'],
    ['../../etc/passwd', '_.._etc_passwd'],
    ['a/b\\c.JPG', 'a_b_c.JPG'],
    ['IMG\u0000_0001.JPG', 'IMG__0001.JPG'],
    ['IMG\n\r\t0001.JPG', 'IMG___0001.JPG'],
    ['CON', '_CON'],
    ['con.jpg', '_con.jpg'],
    ['COM1.HEIC', '_COM1.HEIC'],
    ['nul .txt', '_nul.txt'],
    ['LPT9', '_LPT9'],
    ['photo. . .', 'photo'],
    ['photo .JPG', 'photo.JPG'],
    ['.hidden.JPG', 'hidden.JPG'],
    ['a<b>c:d"e|f?g*h.PNG', 'a_b_c_d_e_f_g_h.PNG'],
    ['IMG_\u202Egpj.exe', 'IMG__gpj.exe'],
  ];
  it.each(hostile)('%j becomes %j', (raw, expected) => {
    const name = finalName(raw);
    expect(name).toBe(expected);
    assertSafe(name);
  });

  it('stores the NFC form of an NFD name, so both spellings collide', () => {
    const nfd = 'Cafe\u0301.JPG';
    const nfc = 'Caf\u00e9.JPG';
    expect(finalName(nfd)).toBe(nfc);
    expect(collisionKey('CAFE\u0301.jpg')).toBe(collisionKey(nfc));
  });

  it('folds case for collisions but keeps the user-visible case', () => {
    expect(finalName('IMG_0001.JPG')).toBe('IMG_0001.JPG');
    expect(collisionKey('IMG_0001.JPG')).toBe(collisionKey('img_0001.jpg'));
  });

  it('shortens a very long name to 255 bytes, keeping the extension and whole characters', () => {
    const long = '😀'.repeat(100) + 'é'.repeat(100) + '.HEIC';
    const name = finalName(long);
    expect(name.endsWith('.HEIC')).toBe(true);
    expect(nameBytes(name)).toBeLessThanOrEqual(255);
    expect(nameBytes(name)).toBeGreaterThan(240);
    expect(name).not.toContain('\uFFFD');
    assertSafe(name);
  });

  it('never cuts an emoji sequence in half', () => {
    const family = '👨‍👩‍👧';
    const cut = truncateToBytes(family.repeat(10), 30);
    expect(cut).toBe(family); // one family is 18 bytes; two would be 36
  });

  it('does not take a 300-character tail for an extension', () => {
    const name = finalName('x.' + 'a'.repeat(300));
    expect(nameBytes(name)).toBeLessThanOrEqual(255);
    expect(name.startsWith('x.aaa')).toBe(true);
  });

  it('replaces unpaired surrogates', () => {
    const name = finalName('IMG_\uD800_1.JPG');
    expect(name).toBe('IMG___1.JPG');
  });

  it('keeps any string safe (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (raw) => {
        assertSafe(finalName(raw));
      }),
      { numRuns: 500 },
    );
  });

  it('keeps a suffix whole when the stem must be shortened', () => {
    const name = composeName('a'.repeat(300), ' (edited)', '.jpg');
    expect(name.endsWith('a (edited).jpg')).toBe(true);
    expect(nameBytes(name)).toBe(255);
  });
});

describe('resolveInside', () => {
  const root = path.resolve('/backup/root');
  it('refuses anything that leaves the root', () => {
    expect(resolveInside(root, '../x')).toBeNull();
    expect(resolveInside(root, '/etc/passwd')).toBeNull();
    expect(resolveInside(root, '2024/../../x')).toBeNull();
    expect(resolveInside(root, '')).toBeNull();
    expect(resolveInside(root, 'a\0b')).toBeNull();
    expect(resolveInside(root, '2024/05/IMG.JPG')).toBe(path.join(root, '2024', '05', 'IMG.JPG'));
  });
});
