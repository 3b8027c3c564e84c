/**
 * A small but valid DNG (Apple ProRAW stand-in): a TIFF whose IFD0 holds an uncompressed
 * LinearRaw RGB image plus DNGVersion, with the same EXIF dates as the camera's other stills.
 */
import { type StillExif, stillExifIfd } from './exif';
import { buildTiff, long, short, type TiffIfd, ascii, TiffType } from './tiff';

/** Builds the DNG for `exif`; `pixels` is width×height×3 bytes of RGB. */
export function buildDng(exif: StillExif, pixels: Buffer): Buffer {
  const base = stillExifIfd(exif);
  const ifdFor = (stripOffset: number): TiffIfd => ({
    entries: [
      long(0x00fe, 0), // NewSubfileType: the main image
      long(0x0100, exif.width),
      long(0x0101, exif.height),
      short(0x0102, 8, 8, 8),
      short(0x0103, 1), // uncompressed
      short(0x0106, 34892), // PhotometricInterpretation: LinearRaw
      long(0x0111, stripOffset),
      short(0x0115, 3),
      long(0x0116, exif.height),
      long(0x0117, pixels.length),
      short(0x011c, 1),
      { tag: 0xc612, type: TiffType.BYTE, value: [1, 4, 0, 0] }, // DNGVersion 1.4
      { tag: 0xc613, type: TiffType.BYTE, value: [1, 1, 0, 0] }, // DNGBackwardVersion
      ascii(0xc614, `Apple ${exif.model ?? 'iPhone 15 Pro'}`), // UniqueCameraModel
      ...base.entries.filter((e) => ![0x0112, 0x011a, 0x011b, 0x0128, 0x0213].includes(e.tag)),
    ],
    subIfds: base.subIfds,
  });
  const headLength = buildTiff(ifdFor(0)).length;
  return Buffer.concat([buildTiff(ifdFor(headLength)), pixels]);
}
