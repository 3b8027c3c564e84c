/**
 * The EXIF block an iPhone writes into a still, built per file: capture date with its zone, a
 * later modify date in *another* zone (OffsetTime belongs to ModifyDate, not to the capture:
 * scanners that read the wrong tag get a wrong date), a unique id, and for Live Photos the Apple
 * MakerNote ContentIdentifier that pairs the still with its video.
 */
import type { ManifestCaptureTime } from './manifest';
import { ascii, buildTiff, layoutIfd, long, rational, short, type TiffEntry, type TiffIfd, undef } from './tiff';

export interface StillExif {
  capture: ManifestCaptureTime;
  modify: ManifestCaptureTime;
  width: number;
  height: number;
  /** 32 hex digits, unique per file. */
  imageUniqueId: string;
  contentIdentifier: string | null;
  model?: string;
}

/** `YYYY:MM:DD HH:MM:SS` in the zone of `t`, as EXIF writes local times. */
export function exifDateTime(t: ManifestCaptureTime): string {
  const d = new Date(t.utcMs + t.offsetMinutes * 60_000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}:${p(d.getUTCMonth() + 1)}:${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

/** `+02:00`, `-07:00`, `+05:30`: the EXIF 2.31 OffsetTime* format. */
export function exifOffset(offsetMinutes: number, separator = ':'): string {
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${separator}${String(abs % 60).padStart(2, '0')}`;
}

const subSeconds = (t: ManifestCaptureTime) => String(((t.utcMs % 1000) + 1000) % 1000).padStart(3, '0');

/**
 * Apple's MakerNote: "Apple iOS\0", version 1, "MM", then an IFD whose offsets count from the
 * MakerNote's own start (ExifTool's Apple table; tag 0x0011 is the Live Photo ContentIdentifier).
 */
function appleMakerNote(contentIdentifier: string): Buffer {
  const header = Buffer.concat([Buffer.from('Apple iOS\0', 'latin1'), Buffer.from([0x00, 0x01, 0x4d, 0x4d])]);
  const ifd: TiffIfd = { entries: [long(0x0001, 14), ascii(0x0011, contentIdentifier)] };
  return Buffer.concat([header, layoutIfd(ifd, header.length, 0)]);
}

/** The EXIF entries of IFD0 and the Exif IFD for a camera still. */
export function stillExifIfd(e: StillExif): TiffIfd {
  const exifEntries: TiffEntry[] = [
    rational(0x829a, 1, 120),
    rational(0x829d, 178, 100),
    short(0x8827, 50),
    undef(0x9000, Buffer.from('0232', 'latin1')),
    ascii(0x9003, exifDateTime(e.capture)),
    ascii(0x9004, exifDateTime(e.capture)),
    ascii(0x9010, exifOffset(e.modify.offsetMinutes)),
    ascii(0x9011, exifOffset(e.capture.offsetMinutes)),
    ascii(0x9012, exifOffset(e.capture.offsetMinutes)),
    ascii(0x9291, subSeconds(e.capture)),
    ascii(0x9292, subSeconds(e.capture)),
    short(0xa001, 1),
    long(0xa002, e.width),
    long(0xa003, e.height),
    ascii(0xa420, e.imageUniqueId),
    ascii(0xa433, 'Apple'),
    ascii(0xa434, `${e.model ?? 'iPhone 15 Pro'} back triple camera 6.765mm f/1.78`),
  ];
  if (e.contentIdentifier) exifEntries.push(undef(0x927c, appleMakerNote(e.contentIdentifier)));
  return {
    entries: [
      ascii(0x010f, 'Apple'),
      ascii(0x0110, e.model ?? 'iPhone 15 Pro'),
      short(0x0112, 1),
      rational(0x011a, 72, 1),
      rational(0x011b, 72, 1),
      short(0x0128, 2),
      ascii(0x0131, '17.5.1'),
      ascii(0x0132, exifDateTime(e.modify)),
      short(0x0213, 1),
    ],
    subIfds: [{ tag: 0x8769, ifd: { entries: exifEntries } }],
  };
}

/** The TIFF-structured EXIF block (starts with "MM\0*"), ready for a JPEG APP1 or a HEIF Exif item. */
export function buildStillExif(e: StillExif): Buffer {
  return buildTiff(stillExifIfd(e));
}
