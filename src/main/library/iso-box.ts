import { MalformedMediaError } from './errors';
import type { RandomAccessReader } from './random-access';

/**
 * ISO base media file format / QuickTime boxes ("atoms"), shared by the MOV/MP4 and the HEIC
 * readers. A box is `size:u32 type:4cc`; size 1 means a u64 size follows, size 0 means "to the
 * end of the enclosing space" (ISO/IEC 14496-12 §4.2, QuickTime File Format "Atoms").
 */
export interface Box {
  type: string;
  /** Offset of the box's first byte. */
  offset: number;
  /** Offset of the content, after the 8- or 16-byte header. */
  start: number;
  /** Offset just past the box. */
  end: number;
}

/** Reads the box header at `offset`, which must lie inside [offset, limit). Null at the end. */
export async function readBoxHeader(read: RandomAccessReader, offset: number, limit: number): Promise<Box | null> {
  if (offset + 8 > limit) return null;
  const head = await read(offset, 16);
  if (head.length < 8) return null;
  return parseBoxHeader(head, 0, offset, limit);
}

/** Parses a box header from `buf` at `at`; `offset` is where `buf[at]` sits in the file. */
export function parseBoxHeader(buf: Buffer, at: number, offset: number, limit: number): Box {
  let size = buf.readUInt32BE(at);
  const type = buf.toString('latin1', at + 4, at + 8);
  let headerSize = 8;
  if (size === 1) {
    if (buf.length < at + 16) throw new MalformedMediaError(`The "${printable(type)}" box at ${offset} is cut off.`);
    const big = buf.readBigUInt64BE(at + 8);
    if (big > BigInt(Number.MAX_SAFE_INTEGER))
      throw new MalformedMediaError(`The "${printable(type)}" box claims ${big} bytes.`);
    size = Number(big);
    headerSize = 16;
  } else if (size === 0) {
    size = limit - offset;
  }
  if (size < headerSize)
    throw new MalformedMediaError(`The "${printable(type)}" box at ${offset} has an impossible size ${size}.`);
  if (offset + size > limit) {
    throw new MalformedMediaError(`The "${printable(type)}" box at ${offset} (${size} bytes) runs past its container.`);
  }
  return { type, offset, start: offset + headerSize, end: offset + size };
}

/** The child boxes of a box whose content is already in memory (`buf` holds [base, base+len)). */
export function childBoxes(buf: Buffer, base: number, start: number, end: number): Box[] {
  const boxes: Box[] = [];
  let offset = start;
  while (offset + 8 <= end) {
    const box = parseBoxHeader(buf, offset - base, offset, end);
    boxes.push(box);
    offset = box.end;
    if (boxes.length > 10_000) throw new MalformedMediaError('Too many boxes in one container.');
  }
  return boxes;
}

/** A 4cc made safe to print in an error message. */
function printable(type: string): string {
  return type.replace(/[^\x20-\x7e]/g, '?');
}
