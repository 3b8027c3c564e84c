/**
 * JPEG assembly: a template's coded image with a per-file EXIF APP1 in front, so thousands of
 * correctly dated, unique JPEGs cost a buffer copy each instead of an encode.
 */

import { TemplateFormatError } from './errors';

/**
 * The template's segments after SOI with every APPn and COM segment removed (the EXIF APP1 must
 * come first; a JFIF APP0 beside it only confuses readers).
 */
export function jpegBodyWithoutMetadata(jpeg: Buffer): Buffer {
  if (jpeg.length < 4 || jpeg[0] !== 0xff || jpeg[1] !== 0xd8)
    throw new TemplateFormatError('not a JPEG (no SOI marker)');
  const kept: Buffer[] = [];
  let at = 2;
  while (at + 4 <= jpeg.length) {
    if (jpeg[at] !== 0xff) throw new TemplateFormatError(`bad JPEG marker at ${at}`);
    const marker = jpeg[at + 1]!;
    if (marker === 0xda) break; // start of scan: the rest is entropy-coded data
    const length = jpeg.readUInt16BE(at + 2);
    const isMetadata = (marker >= 0xe0 && marker <= 0xef) || marker === 0xfe;
    if (!isMetadata) kept.push(jpeg.subarray(at, at + 2 + length));
    at += 2 + length;
  }
  kept.push(jpeg.subarray(at));
  return Buffer.concat(kept);
}

/** An APP1 segment: "Exif\0\0" + the TIFF block. */
export function exifApp1(tiff: Buffer): Buffer {
  const payload = 2 + 6 + tiff.length;
  if (payload > 0xffff) throw new TemplateFormatError('EXIF block too large for one APP1 segment');
  const head = Buffer.alloc(10);
  head.writeUInt16BE(0xffe1, 0);
  head.writeUInt16BE(payload, 2);
  head.write('Exif\0\0', 4, 'latin1');
  return Buffer.concat([head, tiff]);
}

const SOI = Buffer.from([0xff, 0xd8]);

/** A complete JPEG: SOI, EXIF APP1 (if any), then the template body. */
export function buildJpeg(body: Buffer, exifTiff: Buffer | null): Buffer {
  return exifTiff ? Buffer.concat([SOI, exifApp1(exifTiff), body]) : Buffer.concat([SOI, body]);
}
