import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AfcFrameReceiver } from '../../../../src/main/device/afc/frame-receiver';
import { AFC_HEADER_SIZE, AfcOp, encodeHeader, type AfcFrame } from '../../../../src/main/device/afc/protocol';
import { ProtocolError } from '../../../../src/main/device/errors';

const SEGMENT = 16;

function receiver(frames: AfcFrame[], segmentBytes = SEGMENT, maxFrameBytes = 1 << 20): AfcFrameReceiver {
  return new AfcFrameReceiver(
    maxFrameBytes,
    { onHeader: () => {}, onFrame: (frame) => frames.push(frame) },
    segmentBytes,
  );
}

/**
 * Feeds `wire` in pieces the way a direct-read socket does: while the receiver offers a target,
 * up to a piece's worth of bytes is "read" into it in place (landed), otherwise pushed.
 */
function feed(rx: AfcFrameReceiver, wire: Buffer, cuts: number[], inPlace: boolean[]): void {
  let at = 0;
  let i = 0;
  while (at < wire.length) {
    const want = Math.max(1, cuts[i % cuts.length]!);
    const target = inPlace[i % inPlace.length] ? rx.target() : undefined;
    i++;
    if (target) {
      expect(target.length).toBeLessThanOrEqual(SEGMENT);
      const n = Math.min(want, target.length, wire.length - at);
      wire.copy(target, 0, at, at + n);
      rx.landed(n);
      at += n;
    } else {
      rx.push(wire.subarray(at, at + want));
      at += want;
    }
  }
}

const frameSpec = fc.record({
  operation: fc.constantFrom(AfcOp.DATA, AfcOp.STATUS, AfcOp.FILE_OPEN_RES),
  params: fc.uint8Array({ maxLength: 40 }),
  data: fc.uint8Array({ maxLength: 100 }),
});

describe('AfcFrameReceiver', () => {
  it('rebuilds every frame byte-identical, however the bytes are cut and wherever they land', () => {
    fc.assert(
      fc.property(
        fc.array(frameSpec, { minLength: 1, maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 70 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 5 }),
        (specs, cuts, inPlace) => {
          const wire = Buffer.concat(
            specs.flatMap((spec, i) => [
              encodeHeader(BigInt(i), spec.operation, spec.params.length, spec.data.length),
              Buffer.from(spec.params),
              Buffer.from(spec.data),
            ]),
          );
          const frames: AfcFrame[] = [];
          feed(receiver(frames), wire, cuts, inPlace);
          expect(frames).toHaveLength(specs.length);
          frames.forEach((frame, i) => {
            const spec = specs[i]!;
            expect(frame.packetNum).toBe(BigInt(i));
            expect(frame.operation).toBe(spec.operation);
            expect(frame.params.equals(Buffer.from(spec.params))).toBe(true);
            expect(frame.dataLength).toBe(spec.data.length);
            expect(Buffer.concat(frame.data).equals(Buffer.from(spec.data))).toBe(true);
            for (const part of frame.data) expect(part.length).toBeLessThanOrEqual(SEGMENT);
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('gives each frame its own buffers: later bytes never overwrite a delivered frame', () => {
    const frames: AfcFrame[] = [];
    const rx = receiver(frames, 1024);
    const one = Buffer.alloc(100, 1);
    const two = Buffer.alloc(100, 2);
    rx.push(Buffer.concat([encodeHeader(0n, AfcOp.DATA, 0, 100), one, encodeHeader(1n, AfcOp.DATA, 0, 100)]));
    rx.target()!.fill(2); // the next read lands in place
    rx.landed(100);
    expect(Buffer.concat(frames[0]!.data).equals(one)).toBe(true);
    expect(Buffer.concat(frames[1]!.data).equals(two)).toBe(true);
  });

  it('allocates at most one segment ahead of the bytes a lying header promises', () => {
    const frames: AfcFrame[] = [];
    const rx = receiver(frames, 4096, 64 * 1024 * 1024);
    rx.push(encodeHeader(0n, AfcOp.DATA, 0, 60 * 1024 * 1024));
    rx.push(Buffer.alloc(10));
    expect(rx.target()!.length).toBe(4096 - 10);
    expect(rx.bufferedBytes).toBe(10);
    expect(frames).toHaveLength(0);
  });

  it('refuses a header over the size cap or one the connection rejects, before any body, and stays failed', () => {
    const rx = receiver([], SEGMENT, 1000);
    expect(() => rx.push(encodeHeader(0n, AfcOp.DATA, 0, 2000))).toThrow(ProtocolError);
    expect(() => rx.push(Buffer.alloc(1))).toThrow(ProtocolError);
    expect(rx.target()).toBeUndefined();

    const unknown = new AfcFrameReceiver(1000, {
      onHeader: (header) => {
        throw new ProtocolError(`no request ${header.packetNum}`);
      },
      onFrame: () => {},
    });
    expect(() => unknown.push(encodeHeader(7n, AfcOp.DATA, 0, 500).subarray(0, AFC_HEADER_SIZE))).toThrow(
      /no request 7/,
    );
    expect(unknown.target()).toBeUndefined();
  });

  it('refuses bytes reported in place beyond the target it gave', () => {
    const rx = receiver([]);
    rx.push(encodeHeader(0n, AfcOp.DATA, 0, 8));
    expect(() => rx.landed(9)).toThrow(RangeError);
  });
});

describe('AfcFrameReceiver with a target buffer from the request', () => {
  /** A receiver whose request for packet 0 gave `target`; other packets gave none. */
  function withTarget(frames: AfcFrame[], target: Buffer): AfcFrameReceiver {
    return new AfcFrameReceiver(
      1 << 20,
      { onHeader: (header) => (header.packetNum === 0n ? target : undefined), onFrame: (frame) => frames.push(frame) },
      SEGMENT,
    );
  }
  const sameMemory = (part: Buffer, target: Buffer): boolean =>
    part.buffer === target.buffer && part.byteOffset === target.byteOffset;

  it('receives pushed data into the target as one segment (bigger than a segment), params apart', () => {
    const frames: AfcFrame[] = [];
    const target = Buffer.alloc(64, 0xaa);
    const params = Buffer.alloc(8, 7);
    const data = Buffer.from(Array.from({ length: 50 }, (_, i) => i));
    const wire = Buffer.concat([encodeHeader(0n, AfcOp.DATA, 8, 50), params, data]);
    const rx = withTarget(frames, target);
    for (let at = 0; at < wire.length; at += 13) rx.push(wire.subarray(at, at + 13));
    expect(frames).toHaveLength(1);
    const [part, ...rest] = frames[0]!.data;
    expect(rest).toHaveLength(0);
    expect(sameMemory(part!, target)).toBe(true);
    expect(part!.equals(data)).toBe(true);
    expect(frames[0]!.params.equals(params)).toBe(true);
    expect(frames[0]!.params.buffer).not.toBe(target.buffer);
    expect(target.subarray(50).equals(Buffer.alloc(14, 0xaa))).toBe(true); // nothing past the frame
  });

  it('offers the target for in-place reads, bounded by the frame, and the next frame goes elsewhere', () => {
    const frames: AfcFrame[] = [];
    const target = Buffer.alloc(64);
    const data = Buffer.alloc(40, 5);
    const rx = withTarget(frames, target);
    rx.push(encodeHeader(0n, AfcOp.DATA, 0, 40));
    let place = rx.target()!;
    expect(sameMemory(place, target)).toBe(true);
    expect(place.length).toBe(40);
    data.copy(place, 0, 0, 25);
    rx.landed(25);
    place = rx.target()!;
    expect(place.byteOffset).toBe(target.byteOffset + 25);
    expect(place.length).toBe(15);
    data.copy(place, 0, 25);
    rx.landed(15);
    expect(sameMemory(frames[0]!.data[0]!, target)).toBe(true);
    expect(frames[0]!.data[0]!.equals(data)).toBe(true);
    // Packet 1's request gave no target: its body is allocated, the first frame's stays intact.
    rx.push(encodeHeader(1n, AfcOp.DATA, 0, 10));
    expect(rx.target()!.buffer).not.toBe(target.buffer);
    rx.push(Buffer.alloc(10, 9));
    expect(frames[1]!.data[0]!.equals(Buffer.alloc(10, 9))).toBe(true);
    expect(frames[0]!.data[0]!.equals(data)).toBe(true);
  });

  it('falls back to allocation (in segments) when the frame is larger than the target, leaving it untouched', () => {
    const frames: AfcFrame[] = [];
    const target = Buffer.alloc(40, 0xaa);
    const data = Buffer.from(Array.from({ length: 41 }, (_, i) => 100 + i));
    const rx = withTarget(frames, target);
    rx.push(encodeHeader(0n, AfcOp.DATA, 0, 41));
    expect(rx.target()!.buffer).not.toBe(target.buffer);
    expect(rx.target()!.length).toBe(SEGMENT);
    rx.push(data);
    expect(Buffer.concat(frames[0]!.data).equals(data)).toBe(true);
    for (const part of frames[0]!.data) expect(part.buffer).not.toBe(target.buffer);
    expect(target.equals(Buffer.alloc(40, 0xaa))).toBe(true);
  });
});
