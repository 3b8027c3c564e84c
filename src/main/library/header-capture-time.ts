/**
 * The capture time inside a file, reading as few bytes as the format allows (the DCIM scanner
 * reads every asset over AFC, so bytes are time): a small head to tell the type, then only the
 * EXIF segment of a JPEG, the `meta` box and EXIF item of a HEIC (helper D's readHeifExif), the
 * movie header of a MOV/MP4 wherever it sits (D's readQuickTimeDates), the eXIf chunk of a PNG.
 * D's readEmbeddedCaptureTime reads a fixed 64 KiB head first, which alone would spend the whole
 * per-asset budget; the date rules themselves (captureTimeFromExif/QuickTime) are D's.
 */
import {
  type CaptureTimeResult,
  captureTimeFromExif,
  captureTimeFromQuickTime,
  parseExif,
  sniffMediaType,
} from './capture-time';
import { readHeifExif } from './heif-exif';
import { readQuickTimeDates } from './quicktime';
import { type RandomAccessReader, headFirstReader } from './random-access';

/** Enough for the type, and for a JPEG's APP1 header; iPhone EXIF blocks are a few KiB. */
const HEAD_BYTES = 8 * 1024;
/** JPEG segments before the image data; more means a file we should not keep walking. */
const MAX_JPEG_SEGMENTS = 64;
const MAX_PNG_CHUNKS = 256;
/** A DNG's EXIF IFD can sit anywhere its writer chose; look this far before giving up. */
const TIFF_SEARCH_BYTES = 64 * 1024;

export async function readHeaderCaptureTime(read: RandomAccessReader, size: number): Promise<CaptureTimeResult> {
  try {
    const head = await read(0, Math.min(size, HEAD_BYTES));
    const type = isTiff(head) ? 'tiff' : sniffMediaType(head);
    const rest = headFirstReader(head, read);
    switch (type) {
      case 'tiff':
        return tiffCaptureTime(head, read, size);
      case 'jpeg': {
        const tiff = await jpegExif(rest, size);
        return tiff ? captureTimeFromExif(await parseExif(tiff), 'JPEG') : none('the JPEG has no EXIF block');
      }
      case 'png': {
        const tiff = await pngExif(rest, size);
        return tiff ? captureTimeFromExif(await parseExif(tiff), 'PNG') : none('the PNG has no EXIF date');
      }
      case 'heif': {
        const tiff = await readHeifExif(rest, size);
        return tiff ? captureTimeFromExif(await parseExif(tiff), 'HEIF') : none('the HEIF file has no EXIF item');
      }
      case 'quicktime':
        return captureTimeFromQuickTime(await readQuickTimeDates(rest, size));
      default:
        return none('not a JPEG, HEIF, PNG or QuickTime/MP4 file');
    }
  } catch (error) {
    return none(`unreadable metadata: ${error instanceof Error ? error.message : String(error)}`);
  }
}

const none = (reason: string): CaptureTimeResult => ({ time: null, reasons: [reason] });

/** The TIFF bytes of a JPEG's APP1 "Exif\0\0" segment (JPEG/JFIF markers, EXIF 2.32 §4.5.4). */
async function jpegExif(read: RandomAccessReader, size: number): Promise<Buffer | null> {
  let at = 2;
  for (let n = 0; n < MAX_JPEG_SEGMENTS && at + 4 <= size; n++) {
    const header = await read(at, 4);
    if (header.length < 4 || header[0] !== 0xff) return null;
    const marker = header[1]!;
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      at += 2; // markers without a length
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return null; // image data or end: no EXIF before it
    const length = header.readUInt16BE(2); // includes its own two bytes; at most 64 KiB by format
    if (length < 2) return null;
    if (marker === 0xe1) {
      const segment = await read(at + 4, length - 2);
      if (segment.length >= 14 && segment.toString('latin1', 0, 6) === 'Exif\0\0') return segment.subarray(6);
    }
    at += 2 + length;
  }
  return null;
}

/** The TIFF bytes of a PNG's eXIf chunk (PNG 1.5 extensions), before the image data. */
async function pngExif(read: RandomAccessReader, size: number): Promise<Buffer | null> {
  let at = 8;
  for (let n = 0; n < MAX_PNG_CHUNKS && at + 8 <= size; n++) {
    const header = await read(at, 8);
    if (header.length < 8) return null;
    const length = header.readUInt32BE(0);
    const type = header.toString('latin1', 4, 8);
    if (type === 'eXIf') return length > 1024 * 1024 ? null : read(at + 8, length);
    if (type === 'IDAT' || type === 'IEND') return null;
    at += 12 + length;
  }
  return null;
}

/** "II*\0" or "MM\0*": a TIFF, which DNG (ProRAW) is. */
function isTiff(head: Buffer): boolean {
  if (head.length < 4) return false;
  const mark = head.readUInt32BE(0);
  return mark === 0x49492a00 || mark === 0x4d4d002a;
}

/** A DNG's dates live in its EXIF IFD, usually near the front: try the head, then a longer read. */
async function tiffCaptureTime(head: Buffer, read: RandomAccessReader, size: number): Promise<CaptureTimeResult> {
  const tagsOf = (data: Buffer) => parseExif(data).catch(() => ({}));
  let result = captureTimeFromExif(await tagsOf(head), 'TIFF/DNG');
  if (!result.time && size > head.length) {
    const more = await read(0, Math.min(size, TIFF_SEARCH_BYTES));
    result = captureTimeFromExif(await tagsOf(more), 'TIFF/DNG');
  }
  return result;
}
