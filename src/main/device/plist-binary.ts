import { PlistError } from './errors';
import type { PlistDict, PlistLimits, PlistValue } from './plist';

/**
 * Binary property list (`bplist00`) decoding, for lockdownd answers that come binary. Every
 * offset and length is checked against the buffer before use; shared references are counted
 * against `maxObjects` and cycles refused, so a small hostile document cannot expand or loop.
 */

/** Seconds between 1970-01-01 and Apple's epoch 2001-01-01 (binary <date>). */
const APPLE_EPOCH_SECONDS = 978_307_200;

function setKey(dict: PlistDict, key: string, value: PlistValue): void {
  // defineProperty, not assignment: a hostile "__proto__" key must not change the prototype.
  Object.defineProperty(dict, key, { value, enumerable: true, writable: true, configurable: true });
}

export function decodeBinaryPlist(buf: Buffer, limits: PlistLimits): PlistValue {
  const fail = (message: string): never => {
    throw new PlistError(`binary plist: ${message}`);
  };
  if (buf.length < 8 + 32) fail('too short');
  const trailer = buf.length - 32;
  const offsetSize = buf[trailer + 6]!;
  const refSize = buf[trailer + 7]!;
  const numObjects = buf.readBigUInt64BE(trailer + 8);
  const topObject = buf.readBigUInt64BE(trailer + 16);
  const tableOffset = buf.readBigUInt64BE(trailer + 24);
  if (![1, 2, 4, 8].includes(offsetSize) || ![1, 2, 4, 8].includes(refSize)) fail('bad offset or reference size');
  if (numObjects === 0n || numObjects > BigInt(limits.maxObjects)) fail(`bad object count ${numObjects}`);
  if (topObject >= numObjects) fail('top object out of range');
  if (tableOffset < 8n || tableOffset + numObjects * BigInt(offsetSize) > BigInt(trailer))
    fail('offset table out of range');
  const count = Number(numObjects);
  const table = Number(tableOffset);

  const readUint = (at: number, size: number): number => {
    if (at < 0 || at + size > trailer) fail('read past the object area');
    if (size === 8) {
      const v = buf.readBigUInt64BE(at);
      if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail('offset too large');
      return Number(v);
    }
    return buf.readUIntBE(at, size);
  };
  const offsetOf = (ref: number): number => {
    if (ref >= count) fail(`object reference ${ref} out of range`);
    const off = readUint(table + ref * offsetSize, offsetSize);
    if (off < 8 || off >= table) fail(`object offset ${off} out of range`);
    return off;
  };

  let produced = 0;
  const active = new Set<number>();

  const lengthAt = (marker: number, at: number): { length: number; start: number } => {
    const low = marker & 0x0f;
    if (low !== 0x0f) return { length: low, start: at + 1 };
    const intMarker = buf[at + 1];
    if (intMarker === undefined || intMarker >> 4 !== 0x1) fail('bad length marker');
    const size = 1 << (intMarker! & 0x0f);
    if (size > 8) fail('length integer too wide');
    return { length: readUint(at + 2, size), start: at + 2 + size };
  };
  const need = (start: number, bytes: number): void => {
    if (bytes < 0 || start + bytes > table) fail('object runs past its area');
  };

  const readObject = (ref: number, depth: number): PlistValue => {
    if (++produced > limits.maxObjects) fail('too many objects (shared references expand too far)');
    if (depth > limits.maxDepth) fail(`nested deeper than ${limits.maxDepth}`);
    if (active.has(ref)) fail('cyclic reference');
    const at = offsetOf(ref);
    const marker = buf[at]!;
    const high = marker >> 4;
    switch (high) {
      case 0x0:
        if (marker === 0x08) return false;
        if (marker === 0x09) return true;
        return fail(`unsupported marker 0x${marker.toString(16)}`);
      case 0x1: {
        const size = 1 << (marker & 0x0f);
        need(at + 1, size);
        if (size === 16) {
          // 128-bit ints appear for values above 2^63; keep the low 64 bits' unsigned value.
          return toNumberOrBig(buf.readBigUInt64BE(at + 9));
        }
        if (size === 8) return toNumberOrBig(buf.readBigInt64BE(at + 1));
        if (size > 8) return fail('integer too wide');
        return buf.readUIntBE(at + 1, size);
      }
      case 0x2: {
        const size = 1 << (marker & 0x0f);
        need(at + 1, size);
        if (size === 4) return buf.readFloatBE(at + 1);
        if (size === 8) return buf.readDoubleBE(at + 1);
        return fail('bad real size');
      }
      case 0x3:
        if (marker !== 0x33) return fail('bad date marker');
        need(at + 1, 8);
        return new Date((buf.readDoubleBE(at + 1) + APPLE_EPOCH_SECONDS) * 1000);
      case 0x4: {
        const { length, start } = lengthAt(marker, at);
        need(start, length);
        return Buffer.from(buf.subarray(start, start + length));
      }
      case 0x5: {
        const { length, start } = lengthAt(marker, at);
        need(start, length);
        return buf.toString('latin1', start, start + length);
      }
      case 0x6: {
        const { length, start } = lengthAt(marker, at);
        need(start, length * 2);
        const copy = Buffer.from(buf.subarray(start, start + length * 2));
        copy.swap16();
        return copy.toString('utf16le');
      }
      case 0x8:
        // A UID (keyed archives); lockdown never sends one. Expose its value as a number.
        need(at + 1, (marker & 0x0f) + 1);
        return buf.readUIntBE(at + 1, Math.min((marker & 0x0f) + 1, 6));
      case 0xa:
      case 0xd: {
        const { length, start } = lengthAt(marker, at);
        const refs = high === 0xd ? length * 2 : length;
        need(start, refs * refSize);
        if (produced + length > limits.maxObjects) fail('too many objects');
        active.add(ref);
        try {
          if (high === 0xa) {
            const items: PlistValue[] = [];
            for (let i = 0; i < length; i++) items.push(readObject(readUint(start + i * refSize, refSize), depth + 1));
            return items;
          }
          const dict: PlistDict = {};
          for (let i = 0; i < length; i++) {
            const key = readObject(readUint(start + i * refSize, refSize), depth + 1);
            if (typeof key !== 'string') fail('dictionary key is not a string');
            const value = readObject(readUint(start + (length + i) * refSize, refSize), depth + 1);
            setKey(dict, key as string, value);
          }
          return dict;
        } finally {
          active.delete(ref);
        }
      }
      default:
        return fail(`unsupported marker 0x${marker.toString(16)}`);
    }
  };
  return readObject(Number(topObject), 0);
}

function toNumberOrBig(v: bigint): number | bigint {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v;
}
