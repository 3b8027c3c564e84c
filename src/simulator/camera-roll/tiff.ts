/**
 * A minimal big-endian TIFF writer: enough for the EXIF block of a still (IFD0 → Exif IFD →
 * Apple MakerNote) and for a small DNG. Big-endian ("MM") because that is what iPhones write.
 */

export const enum TiffType {
  BYTE = 1,
  ASCII = 2,
  SHORT = 3,
  LONG = 4,
  RATIONAL = 5,
  UNDEFINED = 7,
  SRATIONAL = 10,
}

const TYPE_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1, 10: 8 };

export interface TiffEntry {
  tag: number;
  type: TiffType;
  /** Numbers for BYTE/SHORT/LONG, [num, den] pairs flattened for RATIONAL, bytes for UNDEFINED, text for ASCII. */
  value: number[] | Buffer | string;
}

/** An IFD whose entries may point at a sub-IFD (by its LONG offset, filled in at layout). */
export interface TiffIfd {
  entries: TiffEntry[];
  /** Sub-IFDs linked from this one: tag → IFD (e.g. 0x8769 Exif IFD). */
  subIfds?: { tag: number; ifd: TiffIfd }[];
}

export const ascii = (tag: number, text: string): TiffEntry => ({ tag, type: TiffType.ASCII, value: text });
export const short = (tag: number, ...values: number[]): TiffEntry => ({ tag, type: TiffType.SHORT, value: values });
export const long = (tag: number, ...values: number[]): TiffEntry => ({ tag, type: TiffType.LONG, value: values });
export const rational = (tag: number, ...pairs: number[]): TiffEntry => ({
  tag,
  type: TiffType.RATIONAL,
  value: pairs,
});
export const undef = (tag: number, bytes: Buffer): TiffEntry => ({ tag, type: TiffType.UNDEFINED, value: bytes });

function valueBytes(entry: TiffEntry): Buffer {
  const { type, value } = entry;
  if (type === TiffType.ASCII) return Buffer.from(`${value as string}\0`, 'latin1');
  if (Buffer.isBuffer(value)) return value;
  const nums = value as number[];
  const size = TYPE_SIZE[type]!;
  const out = Buffer.alloc(nums.length * (type === TiffType.RATIONAL || type === TiffType.SRATIONAL ? 4 : size));
  nums.forEach((n, i) => {
    if (type === TiffType.BYTE) out.writeUInt8(n, i);
    else if (type === TiffType.SHORT) out.writeUInt16BE(n, i * 2);
    else if (type === TiffType.SRATIONAL) out.writeInt32BE(n, i * 4);
    else out.writeUInt32BE(n >>> 0, i * 4);
  });
  return out;
}

function countOf(entry: TiffEntry, bytes: Buffer): number {
  if (entry.type === TiffType.RATIONAL || entry.type === TiffType.SRATIONAL) return bytes.length / 8;
  return bytes.length / TYPE_SIZE[entry.type]!;
}

/**
 * Lays out one IFD (and, depth first, its sub-IFDs) starting at `offset`, with offsets counted
 * from `base` (the TIFF header; for a MakerNote, its own start). Returns the bytes.
 */
export function layoutIfd(ifd: TiffIfd, offset: number, base = 0): Buffer {
  const subs = ifd.subIfds ?? [];
  const entries = [...ifd.entries, ...subs.map((s) => long(s.tag, 0))].sort((x, y) => x.tag - y.tag);
  const values = entries.map(valueBytes);
  const ifdSize = 2 + entries.length * 12 + 4;
  let dataSize = 0;
  for (const v of values) if (v.length > 4) dataSize += v.length + (v.length & 1);
  let cursor = offset + ifdSize + dataSize;
  const subBuffers: Buffer[] = [];
  const subOffsets = new Map<number, number>();
  for (const s of subs) {
    subOffsets.set(s.tag, cursor - base);
    const b = layoutIfd(s.ifd, cursor, base);
    subBuffers.push(b);
    cursor += b.length;
  }

  const head = Buffer.alloc(ifdSize + dataSize);
  head.writeUInt16BE(entries.length, 0);
  let dataAt = ifdSize;
  entries.forEach((entry, i) => {
    const at = 2 + i * 12;
    let v = values[i]!;
    if (subOffsets.has(entry.tag)) v = valueBytes(long(entry.tag, subOffsets.get(entry.tag)!));
    head.writeUInt16BE(entry.tag, at);
    head.writeUInt16BE(entry.type, at + 2);
    head.writeUInt32BE(countOf(entry, v), at + 4);
    if (v.length <= 4) {
      v.copy(head, at + 8);
    } else {
      head.writeUInt32BE(offset + dataAt - base, at + 8);
      v.copy(head, dataAt);
      dataAt += v.length + (v.length & 1);
    }
  });
  head.writeUInt32BE(0, 2 + entries.length * 12); // no next IFD
  return Buffer.concat([head, ...subBuffers]);
}

/** A whole TIFF: "MM", 42, IFD0 at offset 8. */
export function buildTiff(ifd0: TiffIfd): Buffer {
  const header = Buffer.from([0x4d, 0x4d, 0x00, 0x2a, 0x00, 0x00, 0x00, 0x08]);
  return Buffer.concat([header, layoutIfd(ifd0, 8)]);
}
