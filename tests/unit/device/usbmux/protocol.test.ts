import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PlistError, ProtocolError } from '../../../../src/main/device/errors';
import type { PlistDict } from '../../../../src/main/device/plist';
import {
  byteSwapPort,
  encodeUsbmuxFrame,
  resolveUsbmuxAddress,
  USBMUX_MAX_FRAME,
  UsbmuxFrameDecoder,
} from '../../../../src/main/device/usbmux/protocol';

function header(length: number, version = 1, message = 8, tag = 1): Buffer {
  const head = Buffer.alloc(16);
  head.writeUInt32LE(length >>> 0, 0);
  head.writeUInt32LE(version, 4);
  head.writeUInt32LE(message, 8);
  head.writeUInt32LE(tag, 12);
  return head;
}

describe('usbmux frames', () => {
  it('writes the little-endian header libusbmuxd expects', () => {
    const frame = encodeUsbmuxFrame({ MessageType: 'ListDevices' }, 7);
    expect(frame.readUInt32LE(0)).toBe(frame.length);
    expect(frame.readUInt32LE(4)).toBe(1);
    expect(frame.readUInt32LE(8)).toBe(8);
    expect(frame.readUInt32LE(12)).toBe(7);
    expect(frame.subarray(16).toString()).toContain('<string>ListDevices</string>');
  });

  it('decodes frames however the bytes are split', () => {
    const bodies: PlistDict[] = [
      { MessageType: 'Result', Number: 0 },
      { DeviceList: [] },
      { BUID: 'ABC', Extra: Buffer.from([1, 2]) },
    ];
    const stream = Buffer.concat(bodies.map((b, i) => encodeUsbmuxFrame(b, i + 1)));
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: stream.length }), { maxLength: 10 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const decoder = new UsbmuxFrameDecoder();
        const frames = [];
        let from = 0;
        for (const at of [...points, stream.length]) {
          frames.push(...decoder.push(stream.subarray(from, at)));
          from = at;
        }
        expect(frames.map((f) => f.body)).toEqual(bodies);
        expect(frames.map((f) => f.tag)).toEqual([1, 2, 3]);
        expect(decoder.pending).toBe(0);
      }),
    );
  });

  it('refuses a lying huge length at once, without waiting for or buffering the body', () => {
    const decoder = new UsbmuxFrameDecoder();
    expect(() => decoder.push(header(0xffff_fff0))).toThrow(ProtocolError);
    expect(() => new UsbmuxFrameDecoder().push(header(USBMUX_MAX_FRAME + 1))).toThrow(/over the .*limit/);
  });

  it.each([
    ['a length shorter than the header', header(4)],
    ['protocol version 0 (binary) or unknown', header(16, 0)],
    ['a message type other than plist', header(16, 1, 3)],
  ])('refuses %s', (_name, bytes) => {
    expect(() => new UsbmuxFrameDecoder().push(bytes)).toThrow(ProtocolError);
  });

  it('refuses a body that is not a plist dictionary', () => {
    const body = Buffer.from('<plist><array/></plist>');
    expect(() => new UsbmuxFrameDecoder().push(Buffer.concat([header(16 + body.length), body]))).toThrow(PlistError);
    const junk = Buffer.from('not xml at all');
    expect(() => new UsbmuxFrameDecoder().push(Buffer.concat([header(16 + junk.length), junk]))).toThrow(PlistError);
  });

  it('holds a truncated frame as pending instead of failing or inventing data', () => {
    const frame = encodeUsbmuxFrame({ MessageType: 'Result', Number: 0 }, 1);
    const decoder = new UsbmuxFrameDecoder();
    expect(decoder.push(frame.subarray(0, frame.length - 3))).toEqual([]);
    expect(decoder.pending).toBe(frame.length - 3);
  });

  it('throws only ProtocolError (or its PlistError) on arbitrary bytes, never buffering past the cap', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }), fc.boolean(), (chunks, withHeader) => {
        const decoder = new UsbmuxFrameDecoder(4096);
        const all: Buffer[] = chunks.map((c) => Buffer.from(c));
        if (withHeader) all.unshift(header(16 + all.reduce((n, c) => n + c.length, 0)));
        try {
          for (const chunk of all) decoder.push(chunk);
        } catch (error) {
          expect(error).toBeInstanceOf(ProtocolError);
        }
        expect(decoder.pending).toBeLessThanOrEqual(4096 + 64);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('usbmuxd address and ports', () => {
  it('byte-swaps the port as htons does: 62078 is sent as 32498', () => {
    expect(byteSwapPort(62078)).toBe(32498);
    expect(byteSwapPort(byteSwapPort(49152))).toBe(49152);
  });

  it('reads USBMUXD_SOCKET_ADDRESS forms and the OS defaults', () => {
    expect(resolveUsbmuxAddress('UNIX:/tmp/x/usbmuxd')).toEqual({ kind: 'unix', path: '/tmp/x/usbmuxd' });
    expect(resolveUsbmuxAddress('127.0.0.1:27015')).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 27015 });
    expect(resolveUsbmuxAddress('[::1]:5000')).toEqual({ kind: 'tcp', host: '::1', port: 5000 });
    expect(resolveUsbmuxAddress('', 'linux')).toEqual({ kind: 'unix', path: '/var/run/usbmuxd' });
    expect(resolveUsbmuxAddress(undefined, 'darwin')).toEqual({ kind: 'unix', path: '/var/run/usbmuxd' });
    expect(resolveUsbmuxAddress(undefined, 'win32')).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 27015 });
    expect(() => resolveUsbmuxAddress('nonsense')).toThrow(ProtocolError);
    expect(() => resolveUsbmuxAddress('host:99999')).toThrow(ProtocolError);
  });
});
