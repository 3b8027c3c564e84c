import { describe, expect, it } from 'vitest';
import { MalformedMediaError } from '../../../src/main/library/errors';
import { APPLE_CREATION_DATE_KEY, readQuickTimeDates } from '../../../src/main/library/quicktime';
import { type RandomAccessReader, bufferReader } from '../../../src/main/library/random-access';

/** A box: u32 size + 4cc + content. */
function box(type: string, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + body.length);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, body]);
}
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
/** mvhd version 0 with a creation time in seconds since 1904. */
const mvhd0 = (seconds1904: number) =>
  box('mvhd', u32(0), u32(seconds1904), u32(seconds1904), u32(600), u32(0), Buffer.alloc(80));
/** mvhd version 1: 64-bit times. */
function mvhd1(seconds1904: bigint): Buffer {
  const t = Buffer.alloc(8);
  t.writeBigUInt64BE(seconds1904);
  return box('mvhd', Buffer.from([1, 0, 0, 0]), t, t, u32(600), Buffer.alloc(8), Buffer.alloc(80));
}
/** Apple's moov/meta: hdlr mdta, keys, ilst (item named by its 1-based key index). */
function appleMeta(entries: [key: string, value: string][]): Buffer {
  const keys = entries.map(([k]) =>
    Buffer.concat([u32(8 + Buffer.byteLength(k)), Buffer.from('mdta'), Buffer.from(k)]),
  );
  const items = entries.map(([, v], i) =>
    Buffer.concat([u32(8 + 16 + Buffer.byteLength(v)), u32(i + 1), box('data', u32(1), u32(0), Buffer.from(v))]),
  );
  return box(
    'meta',
    box('hdlr', u32(0), u32(0), Buffer.from('mdta'), Buffer.alloc(12), Buffer.from([0])),
    box('keys', u32(0), u32(entries.length), ...keys),
    box('ilst', ...items),
  );
}

/** 16 bytes: size, 'ftyp', major brand, minor version. */
const FTYP = box('ftyp', Buffer.from('qt  '), u32(0));
const SECONDS_1904_TO_2023_07_14T16_30_05Z = Date.parse('2023-07-14T16:30:05Z') / 1000 + 2_082_844_800;

/** A reader that records the largest single read asked for. */
function recording(buf: Buffer): { read: RandomAccessReader; largest: () => number } {
  let largest = 0;
  const inner = bufferReader(buf);
  return {
    largest: () => largest,
    read: (offset, length) => {
      largest = Math.max(largest, length);
      return inner(offset, length);
    },
  };
}

describe('readQuickTimeDates', () => {
  it('reads mvhd (version 0) and the Apple creation date from moov/meta', async () => {
    const file = Buffer.concat([
      FTYP,
      box(
        'moov',
        mvhd0(SECONDS_1904_TO_2023_07_14T16_30_05Z),
        appleMeta([
          ['com.apple.quicktime.make', 'Apple'],
          [APPLE_CREATION_DATE_KEY, '2023-07-14T18:30:05+0200'],
        ]),
      ),
    ]);
    expect(await readQuickTimeDates(bufferReader(file), file.length)).toEqual({
      movieCreatedUtcMs: Date.parse('2023-07-14T16:30:05Z'),
      creationDate: '2023-07-14T18:30:05+0200',
      moovOffset: FTYP.length,
    });
  });

  it('skips a 64-bit-sized mdat to reach moov at the end, and reads mvhd version 1', async () => {
    const mdatBody = Buffer.alloc(1000, 0xaa);
    const mdat = Buffer.concat([u32(1), Buffer.from('mdat'), Buffer.alloc(8), mdatBody]);
    mdat.writeBigUInt64BE(BigInt(mdat.length), 8);
    const file = Buffer.concat([FTYP, mdat, box('moov', mvhd1(BigInt(SECONDS_1904_TO_2023_07_14T16_30_05Z)))]);
    const dates = await readQuickTimeDates(bufferReader(file), file.length);
    expect(dates).toEqual({
      movieCreatedUtcMs: Date.parse('2023-07-14T16:30:05Z'),
      creationDate: null,
      moovOffset: FTYP.length + mdat.length,
    });
  });

  it('treats a zero movie time as unknown and a size-0 last box as running to the end', async () => {
    const moov = box('moov', mvhd0(0));
    moov.writeUInt32BE(0, 0); // size 0: "extends to the end of the file"
    const file = Buffer.concat([FTYP, moov]);
    expect(await readQuickTimeDates(bufferReader(file), file.length)).toMatchObject({
      movieCreatedUtcMs: null,
      creationDate: null,
    });
  });

  it('refuses a file without moov, with a typed error', async () => {
    const file = Buffer.concat([FTYP, box('mdat', Buffer.alloc(100))]);
    await expect(readQuickTimeDates(bufferReader(file), file.length)).rejects.toThrow(MalformedMediaError);
    await expect(readQuickTimeDates(bufferReader(file), file.length)).rejects.toMatchObject({
      code: 'library.malformed-media',
    });
  });

  it('refuses lying lengths without allocating them', async () => {
    // moov claims 4 GiB in a 100-byte file.
    const liar = Buffer.concat([FTYP, box('moov', mvhd0(5))]);
    liar.writeUInt32BE(0xffffffff, FTYP.length);
    const r = recording(liar);
    await expect(readQuickTimeDates(r.read, liar.length)).rejects.toThrow(/runs past its container/);
    expect(r.largest()).toBeLessThanOrEqual(32 * 1024);

    // A box smaller than its own header.
    const tiny = Buffer.concat([FTYP, u32(3), Buffer.from('moov')]);
    await expect(readQuickTimeDates(bufferReader(tiny), tiny.length)).rejects.toThrow(/impossible size 3/);

    // A keys box that lists more keys than it holds.
    const meta = appleMeta([[APPLE_CREATION_DATE_KEY, '2023-07-14T18:30:05+0200']]);
    const keysAt = meta.indexOf('keys') - 4;
    meta.writeUInt32BE(1000, keysAt + 12);
    const badKeys = Buffer.concat([FTYP, box('moov', mvhd0(5), meta)]);
    await expect(readQuickTimeDates(bufferReader(badKeys), badKeys.length)).rejects.toThrow(/more keys than it holds/);
  });

  it('does not read a metadata box that claims more than 1 MiB', async () => {
    const bigMeta = box('meta', Buffer.alloc(2 * 1024 * 1024));
    const file = Buffer.concat([FTYP, box('moov', mvhd0(SECONDS_1904_TO_2023_07_14T16_30_05Z), bigMeta)]);
    const r = recording(file);
    expect((await readQuickTimeDates(r.read, file.length)).creationDate).toBeNull();
    expect(r.largest()).toBeLessThanOrEqual(32 * 1024);
  });
});
