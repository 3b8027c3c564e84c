import { MalformedMediaError } from './errors';
import { type Box, childBoxes, readBoxHeader } from './iso-box';
import { type RandomAccessReader, windowedReader } from './random-access';

/** The `meta` box of a photo is kilobytes; refuse to read one that claims more. */
const MAX_META_BOX = 4 * 1024 * 1024;
/** An EXIF block is at most 64 KiB in JPEG; allow more in HEIF but never an unbounded read. */
const MAX_EXIF_ITEM = 1024 * 1024;

/**
 * Finds the EXIF item of a HEIF/HEIC file and returns its TIFF bytes ("II*\0" / "MM\0*"), or
 * null when there is none. Reads only the `meta` box and the item itself: the EXIF item may sit
 * after the image data (libheif writes it last), out of reach of a fixed-size header read.
 *
 * Layout (ISO/IEC 23008-12 §A.2.1, ISO/IEC 14496-12 §8.11): `meta` → `iinf` names item types
 * ("Exif"), `iloc` gives each item's extents; the EXIF payload starts with a u32 offset to the
 * TIFF header (iPhones write 6 and an "Exif\0\0" prefix, libheif writes 0).
 */
export async function readHeifExif(read: RandomAccessReader, fileSize: number): Promise<Buffer | null> {
  const windowed = windowedReader(read);
  let meta: Box | null = null;
  for (let offset = 0, n = 0; n < 64; n++) {
    const box = await readBoxHeader(windowed, offset, fileSize);
    if (!box) break;
    if (box.type === 'meta') {
      meta = box;
      break;
    }
    offset = box.end;
  }
  if (!meta) return null;
  if (meta.end - meta.offset > MAX_META_BOX) throw new MalformedMediaError('The HEIF "meta" box is implausibly large.');
  const buf = await read(meta.offset, meta.end - meta.offset);
  if (buf.length < meta.end - meta.offset) throw new MalformedMediaError('The HEIF "meta" box is cut off.');

  const children = childBoxes(buf, meta.offset, meta.start + 4, meta.end); // meta is a full box
  const iinf = children.find((b) => b.type === 'iinf');
  const iloc = children.find((b) => b.type === 'iloc');
  if (!iinf || !iloc) return null;
  const exifId = findExifItemId(buf, meta.offset, iinf);
  if (exifId === null) return null;
  const location = findItemLocation(buf.subarray(iloc.start - meta.offset, iloc.end - meta.offset), exifId);
  if (!location) return null;

  let payload: Buffer;
  if (location.constructionMethod === 1) {
    const idat = children.find((b) => b.type === 'idat');
    if (!idat) throw new MalformedMediaError('The EXIF item points into a missing "idat" box.');
    payload = Buffer.concat(
      location.extents.map(([off, len]) => {
        const from = idat.start - meta.offset + location.baseOffset + off;
        if (from + len > idat.end - meta.offset)
          throw new MalformedMediaError('The EXIF item runs past its "idat" box.');
        return buf.subarray(from, from + len);
      }),
    );
  } else if (location.constructionMethod === 0) {
    const parts: Buffer[] = [];
    for (const [off, len] of location.extents) {
      const from = location.baseOffset + off;
      if (len === 0 || from + len > fileSize) throw new MalformedMediaError('The EXIF item lies outside the file.');
      parts.push(await read(from, len));
    }
    payload = Buffer.concat(parts);
  } else {
    return null; // item-offset construction: not used for EXIF in practice
  }
  if (payload.length < 4) throw new MalformedMediaError('The EXIF item is too short.');
  const tiffStart = 4 + payload.readUInt32BE(0);
  if (tiffStart + 8 > payload.length) throw new MalformedMediaError('The EXIF item has a wrong header offset.');
  return payload.subarray(tiffStart);
}

function findExifItemId(buf: Buffer, base: number, iinf: Box): number | null {
  const at = iinf.start - base;
  const version = buf[at]!;
  const entriesStart = iinf.start + 4 + (version === 0 ? 2 : 4);
  for (const infe of childBoxes(buf, base, entriesStart, iinf.end)) {
    if (infe.type !== 'infe') continue;
    const p = infe.start - base;
    const infeVersion = buf[p]!;
    if (infeVersion < 2) continue; // versions 0/1 carry no item type
    const idSize = infeVersion === 3 ? 4 : 2;
    if (infe.end - infe.start < 4 + idSize + 2 + 4) continue;
    const id = idSize === 4 ? buf.readUInt32BE(p + 4) : buf.readUInt16BE(p + 4);
    if (buf.toString('latin1', p + 4 + idSize + 2, p + 4 + idSize + 6) === 'Exif') return id;
  }
  return null;
}

interface ItemLocation {
  constructionMethod: number;
  baseOffset: number;
  extents: [offset: number, length: number][];
}

function findItemLocation(box: Buffer, itemId: number): ItemLocation | null {
  let at = 0;
  const need = (n: number) => {
    if (at + n > box.length) throw new MalformedMediaError('The HEIF "iloc" box is cut off.');
  };
  const uint = (size: number): number => {
    need(size);
    let v: number;
    if (size === 0) v = 0;
    else if (size === 2) v = box.readUInt16BE(at);
    else if (size === 4) v = box.readUInt32BE(at);
    else if (size === 8) v = Number(box.readBigUInt64BE(at));
    else throw new MalformedMediaError(`The HEIF "iloc" box uses a field size of ${size} bytes.`);
    at += size;
    return v;
  };
  const version = box[0]!;
  at = 4;
  need(2);
  const offsetSize = box[at]! >> 4;
  const lengthSize = box[at]! & 0xf;
  const baseOffsetSize = box[at + 1]! >> 4;
  const indexSize = version === 1 || version === 2 ? box[at + 1]! & 0xf : 0;
  at += 2;
  const itemCount = uint(version < 2 ? 2 : 4);
  for (let i = 0; i < itemCount; i++) {
    const id = uint(version < 2 ? 2 : 4);
    const constructionMethod = version === 1 || version === 2 ? uint(2) & 0xf : 0;
    uint(2); // data_reference_index: 0 = this file
    const baseOffset = uint(baseOffsetSize);
    const extentCount = uint(2);
    const extents: [number, number][] = [];
    let total = 0;
    for (let e = 0; e < extentCount; e++) {
      uint(indexSize);
      const offset = uint(offsetSize);
      const length = uint(lengthSize);
      total += length;
      extents.push([offset, length]);
    }
    if (id === itemId) {
      if (total > MAX_EXIF_ITEM) throw new MalformedMediaError(`The EXIF item claims ${total} bytes.`);
      return { constructionMethod, baseOffset, extents };
    }
  }
  return null;
}
