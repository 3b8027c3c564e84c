import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../../../src/main/device/errors';
import {
  AFC_HEADER_SIZE,
  AFC_MAX_FRAME_BYTES,
  AfcFrameParser,
  AfcOp,
  decodeHeader,
  encodeHeader,
  frameBody,
  parseKeyValues,
  encodeKeyValues,
  u64s,
} from '../../../../src/main/device/afc/protocol';

const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });

function frame(packetNum: bigint, op: bigint, params: Buffer, data: Buffer): Buffer {
  return Buffer.concat([encodeHeader(packetNum, op, params.length, data.length), params, data]);
}

describe('AFC header codec', () => {
  it('round-trips every 64-bit packet number and operation, little-endian', () => {
    fc.assert(
      fc.property(u64, u64, fc.nat(1000), fc.nat(100_000), (packetNum, op, paramsLength, dataLength) => {
        const header = encodeHeader(packetNum, op, paramsLength, dataLength);
        expect(header.subarray(0, 8).toString('latin1')).toBe('CFA6LPAA');
        const decoded = decodeHeader(header);
        expect(decoded).toEqual({
          packetNum,
          operation: op,
          thisLength: BigInt(AFC_HEADER_SIZE + paramsLength),
          entireLength: BigInt(AFC_HEADER_SIZE + paramsLength + dataLength),
        });
      }),
    );
    // Little-endian, high bits kept (one JS client reads only the low 32 bits).
    const header = encodeHeader(0x0102030405060708n, AfcOp.FILE_READ, 16, 0);
    expect(header.subarray(24, 32)).toEqual(Buffer.from([8, 7, 6, 5, 4, 3, 2, 1]));
  });

  it('refuses bad magic, this_length < 40, entire < this, and frames over the cap', () => {
    const good = encodeHeader(1n, AfcOp.STATUS, 8, 0);
    const badMagic = Buffer.from(good);
    badMagic.write('CFA6LPAB', 0, 'latin1');
    expect(() => decodeHeader(badMagic)).toThrow(ProtocolError);
    const shortThis = Buffer.from(good);
    shortThis.writeBigUInt64LE(39n, 16);
    expect(() => decodeHeader(shortThis)).toThrow(/this_length 39/);
    const lying = Buffer.from(good);
    lying.writeBigUInt64LE(41n, 8);
    expect(() => decodeHeader(lying)).toThrow(/entire_length 41 < this_length 48/);
    const huge = Buffer.from(good);
    huge.writeBigUInt64LE(BigInt(AFC_MAX_FRAME_BYTES) + 1n, 8);
    expect(() => decodeHeader(huge)).toThrow(/exceeds/);
  });
});

describe('AFC frame parser', () => {
  const frameArb = fc.record({
    packetNum: u64,
    op: fc.bigInt({ min: 1n, max: 0x28n }),
    params: fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
    data: fc.uint8Array({ maxLength: 3000 }).map((a) => Buffer.from(a)),
  });

  it('yields the same frames however the byte stream is cut into chunks', () => {
    fc.assert(
      fc.property(
        fc.array(frameArb, { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(4000), { maxLength: 20 }),
        (frames, cuts) => {
          const bytes = Buffer.concat(frames.map((f) => frame(f.packetNum, f.op, f.params, f.data)));
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
          const parser = new AfcFrameParser();
          const got = [];
          let last = 0;
          for (const point of [...points, bytes.length]) {
            got.push(...parser.push(bytes.subarray(last, point)));
            last = point;
          }
          expect(
            got.map((g) => ({
              packetNum: g.packetNum,
              op: g.operation,
              params: g.params,
              data: Buffer.concat(g.data),
            })),
          ).toEqual(frames.map((f) => ({ packetNum: f.packetNum, op: f.op, params: f.params, data: f.data })));
          expect(parser.bufferedBytes).toBe(0);
        },
      ),
    );
  });

  it('hands bulk data out as slices of the received chunks (no copy)', () => {
    const data = Buffer.alloc(100_000, 7);
    const bytes = frame(3n, AfcOp.DATA, Buffer.alloc(0), data);
    const parser = new AfcFrameParser();
    const [got] = parser.push(bytes);
    expect(got!.data).toHaveLength(1);
    expect(got!.data[0]!.buffer).toBe(bytes.buffer);
    expect(frameBody(got!).equals(data)).toBe(true);
  });

  it('refuses a huge announced length as soon as the header is in, holding only the header', () => {
    const header = encodeHeader(0n, AfcOp.DATA, 0, 0);
    header.writeBigUInt64LE(1n << 63n, 8);
    const parser = new AfcFrameParser();
    expect(() => parser.push(header)).toThrow(ProtocolError);
    expect(parser.bufferedBytes).toBe(0);
    // Once out of sync it stays failed rather than parsing garbage as frames.
    expect(() => parser.push(frame(1n, AfcOp.STATUS, u64s(0n), Buffer.alloc(0)))).toThrow(ProtocolError);
  });

  it('on arbitrary bytes either returns frames or throws ProtocolError, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 500 }), fc.boolean(), (noise, withMagic) => {
        const bytes = withMagic ? Buffer.concat([Buffer.from('CFA6LPAA'), Buffer.from(noise)]) : Buffer.from(noise);
        const parser = new AfcFrameParser(1 << 20);
        try {
          const frames = parser.push(bytes);
          for (const f of frames) expect(f.params.length + f.dataLength).toBeLessThanOrEqual(bytes.length);
        } catch (error) {
          expect(error).toBeInstanceOf(ProtocolError);
        }
        expect(parser.bufferedBytes).toBeLessThanOrEqual(bytes.length);
      }),
    );
  });
});

describe('AFC payload helpers', () => {
  it('round-trips key/value records (GET_FILE_INFO, GET_DEVINFO)', () => {
    const record = { st_size: '18446744073709551615', st_ifmt: 'S_IFREG', Model: 'iPhone15,2' };
    expect({ ...parseKeyValues(encodeKeyValues(record)) }).toEqual(record);
  });
});

describe('AFC frame parser, large frames', () => {
  it('splits large frames mixed with small ones correctly, however they are cut', () => {
    const big = Buffer.from(Array.from({ length: 300_000 }, (_, i) => i % 251));
    const small = Buffer.from('tail');
    const bytes = Buffer.concat([
      frame(1n, AfcOp.DATA, Buffer.alloc(0), big),
      frame(2n, AfcOp.DATA, Buffer.alloc(0), small),
      frame(3n, AfcOp.STATUS, u64s(0n), big),
    ]);
    fc.assert(
      fc.property(fc.array(fc.nat(bytes.length), { maxLength: 30 }), (cuts) => {
        const parser = new AfcFrameParser();
        const got = [];
        let last = 0;
        for (const point of [...new Set(cuts)].sort((a, b) => a - b).concat(bytes.length)) {
          got.push(...parser.push(bytes.subarray(last, point)));
          last = point;
        }
        expect(got.map((g) => g.packetNum)).toEqual([1n, 2n, 3n]);
        expect(Buffer.concat(got[0]!.data).equals(big)).toBe(true);
        expect(frameBody(got[1]!).equals(small)).toBe(true);
        expect(got[2]!.params.equals(u64s(0n))).toBe(true);
        expect(Buffer.concat(got[2]!.data).equals(big)).toBe(true);
        expect(parser.bufferedBytes).toBe(0);
      }),
      { numRuns: 50 },
    );
  });
});
