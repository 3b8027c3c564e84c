import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PlistError } from '../../../src/main/device/errors';
import { decodePlist, decodePlistDict, encodePlist, type PlistValue } from '../../../src/main/device/plist';

// Made with CPython's plistlib (FMT_BINARY): an independent binary writer.
const BINARY_FIXTURE =
  'YnBsaXN0MDDSAQIDBFdSZXF1ZXN0VVZhbHVlWEdldFZhbHVl2wUGBwgJCgsMDQ4PEBESExQaGxwdHh9TQmlnVEJsb2JaRGV2aWNlTmFtZVVFbXB0eVRMaXN0U05lZ1NPZmZST25SUGlVU21hbGxUV2hlbhMQAAAAAAAAB08QFAABAgMEBQYHCAkKCwwNDg8QERITbgDFAHMAZSAZAHMAIABpAFAAaABvAG4AZQAgJxNQpBUWFxkQAVN0d2+hGBAD0BP/////////+wgJI0AKAAAAAAAAECozQcX7wrqAAAAIDRUbJDs/RE9VWl5iZWhuc3yTsLG2uLy+wMHKy8zV1wAAAAAAAAEBAAAAAAAAACAAAAAAAAAAAAAAAAAAAADg';

/** XML 1.0 cannot carry most control characters (and a CR is normalised away): plists never hold them. */
function xmlSafe(text: string): boolean {
  return [...text].every((c) => {
    const code = c.codePointAt(0)!;
    return (code >= 0x20 || code === 0x09 || code === 0x0a) && code !== 0xfffe && code !== 0xffff;
  });
}

/** Any value our XML writer can carry, including bigints beyond 2^53 and odd strings. */
const plistValue: fc.Arbitrary<PlistValue> = fc.letrec<{ value: PlistValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.string({ unit: 'grapheme' }).filter(xmlSafe),
    fc.integer(),
    fc
      .bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n })
      .filter((b) => b > BigInt(Number.MAX_SAFE_INTEGER) || b < BigInt(Number.MIN_SAFE_INTEGER)),
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Number.isInteger(n)),
    fc.boolean(),
    fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
    fc
      .date({ min: new Date('1900-01-01'), max: new Date('2200-01-01'), noInvalidDate: true })
      .map((d) => new Date(Math.floor(d.getTime() / 1000) * 1000)),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 12 }).filter(xmlSafe), tie('value'), { maxKeys: 4 }),
  ),
})).value;

describe('plist XML', () => {
  it('round-trips every value it can encode', () => {
    fc.assert(
      fc.property(plistValue, (value) => {
        expect(decodePlist(encodePlist(value))).toEqual(value);
      }),
      { numRuns: 300 },
    );
  });

  it('reads what Apple and libplist write: entities, empty elements, DOCTYPE, comments', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<!-- written by hand -->
<plist version="1.0">
<dict>
\t<key>Name</key><string>Tom &amp; Jerry &lt;3 &#x2713; &#65;</string>
\t<key>Empty</key><string/>
\t<key>List</key><array/>
\t<key>Dict</key><dict/>
\t<key>Port</key><integer>32498</integer>
\t<key>Huge</key><integer>18446744073709551615</integer>
\t<key>Data</key><data>
\tAAEC
\tAw==
\t</data>
\t<key>When</key><date>2024-05-17T12:30:45Z</date>
\t<key>Yes</key><true/>
</dict>
</plist>\0`;
    expect(decodePlist(Buffer.from(xml))).toEqual({
      Name: 'Tom & Jerry <3 ✓ A',
      Empty: '',
      List: [],
      Dict: {},
      Port: 32498,
      Huge: 18446744073709551615n,
      Data: Buffer.from([0, 1, 2, 3]),
      When: new Date('2024-05-17T12:30:45Z'),
      Yes: true,
    });
  });

  it('keeps a "__proto__" key as data instead of changing the prototype', () => {
    const xml = '<plist><dict><key>__proto__</key><dict><key>polluted</key><true/></dict></dict></plist>';
    const value = decodePlistDict(Buffer.from(xml));
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(value)).toEqual(['__proto__']);
  });

  it.each([
    ['unknown element', '<plist><foo/></plist>'],
    ['unclosed dict', '<plist><dict><key>a</key><string>b</string>'],
    ['dict value without key', '<plist><dict><string>b</string></dict></plist>'],
    ['bad integer', '<plist><integer>12abc</integer></plist>'],
    ['integer beyond 64 bits', '<plist><integer>99999999999999999999999</integer></plist>'],
    ['bad base64', '<plist><data>!!!!</data></plist>'],
    ['bad date', '<plist><date>yesterday</date></plist>'],
    ['unknown entity', '<plist><string>&bogus;</string></plist>'],
    ['trailing garbage', '<plist><true/></plist><true/>'],
    ['markup inside a string', '<plist><string>a<b>c</b></string></plist>'],
    ['empty input', ''],
  ])('refuses %s with a PlistError', (_name, xml) => {
    expect(() => decodePlist(Buffer.from(xml))).toThrow(PlistError);
  });

  it('refuses nesting past the depth cap and input past the size cap', () => {
    const deep = `<plist>${'<array>'.repeat(100)}${'</array>'.repeat(100)}</plist>`;
    expect(() => decodePlist(Buffer.from(deep))).toThrow(/nested deeper/);
    expect(() => decodePlist(Buffer.alloc(200, 0x20), { maxBytes: 100 })).toThrow(/limit/);
  });

  it('only ever throws PlistError on arbitrary or mutated input', () => {
    const valid = encodePlist({ MessageType: 'Result', Number: 0, List: [1, 'a', Buffer.from('x')] });
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
          fc
            .tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 }), fc.nat(valid.length))
            .map(([at, byte, cut]) => {
              const copy = Buffer.from(valid);
              copy[at] = byte;
              return copy.subarray(0, Math.max(cut, at + 1));
            }),
        ),
        (input) => {
          try {
            decodePlist(input);
          } catch (error) {
            expect(error).toBeInstanceOf(PlistError);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('plist binary (bplist00)', () => {
  it('decodes a plist written by another implementation', () => {
    expect(decodePlist(Buffer.from(BINARY_FIXTURE, 'base64'))).toEqual({
      Request: 'GetValue',
      Value: {
        DeviceName: 'Åse’s iPhone ✓',
        Big: 2n ** 60n + 7n,
        Neg: -5,
        Small: 42,
        Pi: 3.25,
        On: true,
        Off: false,
        Blob: Buffer.from(Array.from({ length: 20 }, (_, i) => i)),
        When: new Date('2024-05-17T12:30:45Z'),
        List: [1, 'two', [3], {}],
        Empty: '',
      },
    });
  });

  it('refuses a self-referencing container instead of recursing forever', () => {
    // One object: an array (0xA1) whose single element is reference 0 (itself).
    const body = Buffer.from([0xa1, 0x00]);
    const trailer = Buffer.alloc(32);
    trailer[6] = 1; // offset size
    trailer[7] = 1; // ref size
    trailer.writeBigUInt64BE(1n, 8);
    trailer.writeBigUInt64BE(0n, 16);
    trailer.writeBigUInt64BE(BigInt(8 + body.length), 24);
    const doc = Buffer.concat([Buffer.from('bplist00'), body, Buffer.from([8]), trailer]);
    expect(() => decodePlist(doc)).toThrow(/cyclic/);
  });

  it('refuses an object count that would allocate without bound', () => {
    const doc = Buffer.from(BINARY_FIXTURE, 'base64');
    doc.writeBigUInt64BE(2n ** 40n, doc.length - 24);
    expect(() => decodePlist(doc)).toThrow(PlistError);
  });

  it('only ever throws PlistError on mutated binary plists', () => {
    const valid = Buffer.from(BINARY_FIXTURE, 'base64');
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        (edits) => {
          const copy = Buffer.from(valid);
          for (const [at, byte] of edits) copy[at] = byte;
          try {
            decodePlist(copy);
          } catch (error) {
            expect(error).toBeInstanceOf(PlistError);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});
