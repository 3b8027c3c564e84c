/**
 * HEIC (HEIF with an HEVC image) assembly. The HEVC picture comes from a template encoded once
 * (by Debian's heif-enc, see make-templates.ts); each file gets its own `meta` with an `Exif` item
 * laid out as iPhones do (4-byte TIFF-header offset 6, then "Exif\0\0", then the TIFF block),
 * linked to the image by a `cdsc` reference. exifr only accepts that layout: the offset-0 Exif item
 * heif-enc writes itself makes exifr report "Malformed EXIF data".
 */
import { TemplateFormatError } from './errors';

interface Box {
  type: string;
  /** Start of the box's payload (after the header). */
  start: number;
  end: number;
}

function* boxes(buf: Buffer, start: number, end: number): Generator<Box> {
  let at = start;
  while (at + 8 <= end) {
    let size = buf.readUInt32BE(at);
    const type = buf.toString('latin1', at + 4, at + 8);
    let header = 8;
    if (size === 1) {
      size = Number(buf.readBigUInt64BE(at + 8));
      header = 16;
    } else if (size === 0) {
      size = end - at;
    }
    if (size < header || at + size > end)
      throw new TemplateFormatError(`HEIF box "${type}" at ${at} overruns its parent`);
    yield { type, start: at + header, end: at + size };
    at += size;
  }
}

function child(buf: Buffer, parent: Box, type: string, fullBox = false): Box {
  for (const b of boxes(buf, parent.start + (fullBox ? 4 : 0), parent.end)) if (b.type === type) return b;
  throw new TemplateFormatError(`HEIF template has no "${type}" box`);
}

/** The coded picture of a template: its properties (hvcC, ispe, …) and HEVC data. */
export interface HeicPicture {
  width: number;
  height: number;
  /** Whole property boxes (header included) for the image item, in ipma order. */
  properties: { box: Buffer; essential: boolean }[];
  data: Buffer;
}

/** Reads the primary `hvc1` item of a single-image HEIF (no grid) as written by heif-enc. */
export function readHeicPicture(file: Buffer): HeicPicture {
  const all = { type: 'file', start: 0, end: file.length };
  const meta = child(file, all, 'meta');
  const primary = file.readUInt16BE(child(file, meta, 'pitm', true).start + 4);

  const iinf = child(file, meta, 'iinf', true);
  const iinfVersion = file[iinf.start]!;
  let itemType = '';
  for (const infe of boxes(file, iinf.start + 4 + (iinfVersion === 0 ? 2 : 4), iinf.end)) {
    const v = file[infe.start]!;
    if (v < 2) continue;
    const id = v === 2 ? file.readUInt16BE(infe.start + 4) : file.readUInt32BE(infe.start + 4);
    const typeAt = infe.start + 4 + (v === 2 ? 2 : 4) + 2;
    if (id === primary) itemType = file.toString('latin1', typeAt, typeAt + 4);
  }
  if (itemType !== 'hvc1')
    throw new TemplateFormatError(`HEIF template's primary item is "${itemType}", not a single hvc1 image`);

  const iprp = child(file, meta, 'iprp', true);
  const ipco = child(file, iprp, 'ipco');
  const propertyBoxes = [...boxes(file, ipco.start, ipco.end)].map((b) => file.subarray(b.start - 8, b.end));
  const ipma = child(file, iprp, 'ipma');
  const ipmaVersion = file[ipma.start]!;
  const ipmaFlags = file.readUIntBE(ipma.start + 1, 3);
  let at = ipma.start + 4;
  const entries = file.readUInt32BE(at);
  at += 4;
  const properties: HeicPicture['properties'] = [];
  for (let e = 0; e < entries; e++) {
    const id = ipmaVersion < 1 ? file.readUInt16BE(at) : file.readUInt32BE(at);
    at += ipmaVersion < 1 ? 2 : 4;
    const count = file[at++]!;
    for (let k = 0; k < count; k++) {
      const raw = ipmaFlags & 1 ? file.readUInt16BE(at) : file[at]!;
      at += ipmaFlags & 1 ? 2 : 1;
      const essential = (raw & (ipmaFlags & 1 ? 0x8000 : 0x80)) !== 0;
      const index = raw & (ipmaFlags & 1 ? 0x7fff : 0x7f);
      const box = propertyBoxes[index - 1];
      if (id === primary && box) properties.push({ box, essential });
    }
  }
  const ispe = properties.find((p) => p.box.toString('latin1', 4, 8) === 'ispe');
  if (!ispe) throw new TemplateFormatError('HEIF template image has no ispe (size) property');

  return {
    width: ispe.box.readUInt32BE(12),
    height: ispe.box.readUInt32BE(16),
    properties,
    data: itemData(file, meta, primary),
  };
}

function itemData(file: Buffer, meta: Box, itemId: number): Buffer {
  const iloc = child(file, meta, 'iloc', true);
  const version = file[iloc.start]!;
  let at = iloc.start + 4;
  const sizes = file.readUInt16BE(at);
  at += 2;
  const offsetSize = sizes >> 12;
  const lengthSize = (sizes >> 8) & 0xf;
  const baseSize = (sizes >> 4) & 0xf;
  const indexSize = version >= 1 ? sizes & 0xf : 0;
  const read = (n: number) => {
    const v = n === 0 ? 0 : n === 8 ? Number(file.readBigUInt64BE(at)) : file.readUIntBE(at, n);
    at += n;
    return v;
  };
  const count = version < 2 ? read(2) : read(4);
  for (let i = 0; i < count; i++) {
    const id = version < 2 ? read(2) : read(4);
    const method = version >= 1 ? read(2) & 0xf : 0;
    read(2); // data_reference_index
    const base = read(baseSize);
    const extents = read(2);
    const parts: Buffer[] = [];
    for (let e = 0; e < extents; e++) {
      if (indexSize) read(indexSize);
      const offset = read(offsetSize);
      const length = read(lengthSize);
      if (base + offset + length > file.length)
        throw new TemplateFormatError(`HEIF item ${id} lies past the end of the file`);
      parts.push(file.subarray(base + offset, base + offset + length));
    }
    if (id === itemId) {
      if (method !== 0) throw new TemplateFormatError('HEIF template stores its image outside the file body');
      return Buffer.concat(parts);
    }
  }
  throw new TemplateFormatError(`HEIF template has no location for item ${itemId}`);
}

function box(type: string, ...payload: Buffer[]): Buffer {
  const body = Buffer.concat(payload);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + body.length, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, body]);
}

function fullBox(type: string, version: number, flags: number, ...payload: Buffer[]): Buffer {
  const vf = Buffer.alloc(4);
  vf.writeUInt32BE(((version << 24) | flags) >>> 0, 0);
  return box(type, vf, ...payload);
}

const u16 = (n: number) => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
};

function infe(id: number, type: string, hidden: boolean): Buffer {
  return fullBox('infe', 2, hidden ? 1 : 0, u16(id), u16(0), Buffer.from(type, 'latin1'), Buffer.from([0]));
}

const FTYP = box('ftyp', Buffer.from('heic', 'latin1'), u32(0), Buffer.from('mif1MiHEMiPrmiafMiHBheic', 'latin1'));

/**
 * A HEIC file: the picture as item 1, the EXIF block (TIFF, starting "MM") as item 2, and an
 * optional trailing `free` box of `padding` (phone-sized files without a phone-sized encode).
 */
export function buildHeic(picture: HeicPicture, exifTiff: Buffer, padding?: Buffer): Buffer {
  const exifItem = Buffer.concat([u32(6), Buffer.from('Exif\0\0', 'latin1'), exifTiff]);
  const ipco = box('ipco', ...picture.properties.map((p) => p.box));
  const ipma = fullBox(
    'ipma',
    0,
    0,
    u32(1),
    u16(1),
    Buffer.from([picture.properties.length, ...picture.properties.map((p, i) => (p.essential ? 0x80 : 0) | (i + 1))]),
  );
  const metaFor = (exifOffset: number, imageOffset: number) =>
    fullBox(
      'meta',
      0,
      0,
      fullBox('hdlr', 0, 0, u32(0), Buffer.from('pict', 'latin1'), Buffer.alloc(12), Buffer.from([0])),
      fullBox('pitm', 0, 0, u16(1)),
      fullBox(
        'iloc',
        0,
        0,
        Buffer.from([0x44, 0x00]),
        u16(2),
        Buffer.concat([u16(1), u16(0), u16(1), u32(imageOffset), u32(picture.data.length)]),
        Buffer.concat([u16(2), u16(0), u16(1), u32(exifOffset), u32(exifItem.length)]),
      ),
      fullBox('iinf', 0, 0, u16(2), infe(1, 'hvc1', false), infe(2, 'Exif', true)),
      fullBox('iref', 0, 0, box('cdsc', u16(2), u16(1), u16(1))),
      box('iprp', ipco, ipma),
    );
  const metaSize = metaFor(0, 0).length;
  const exifOffset = FTYP.length + metaSize + 8;
  const meta = metaFor(exifOffset, exifOffset + exifItem.length);
  const parts = [FTYP, meta, box('mdat', exifItem, picture.data)];
  if (padding && padding.length) parts.push(box('free', padding));
  return Buffer.concat(parts);
}

/** Size of `buildHeic`'s output without padding, so padding can aim at a target size. */
export const FREE_BOX_HEADER = 8;
