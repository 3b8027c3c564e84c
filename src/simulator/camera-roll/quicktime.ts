/**
 * A minimal QuickTime / MP4 writer: one Motion-JPEG video track (frames are template JPEGs) plus
 * the Apple metadata readers use for the capture time: `mvhd` creation time (UTC, seconds since
 * 1904) and `com.apple.quicktime.creationdate` (local time with its zone) in the moov's
 * `meta`/`keys`/`ilst`, the layout iPhones write (QuickTime File Format, "Metadata" chapter).
 * iPhones put the `moov` after `mdat`; a header reader must therefore look at the end of the file.
 */
import type { ManifestCaptureTime } from './manifest';

/** Seconds between 1904-01-01 (the QuickTime epoch) and 1970-01-01. */
const QT_EPOCH_OFFSET_S = 2_082_844_800;
const TIMESCALE = 600;

export interface MovieSpec {
  brand: 'qt' | 'mp4';
  capture: ManifestCaptureTime;
  durationS: number;
  width: number;
  height: number;
  /** JPEG frames; the same buffer may repeat (it is written, never copied, per frame). */
  frames: Buffer[];
  moovAtEnd: boolean;
  contentIdentifier: string | null;
  model?: string;
}

function box(type: string, ...payload: Buffer[]): Buffer {
  const body = Buffer.concat(payload);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + body.length, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, body]);
}
const u8 = (...n: number[]) => Buffer.from(n);
const u16 = (...ns: number[]) => {
  const b = Buffer.alloc(ns.length * 2);
  ns.forEach((n, i) => b.writeUInt16BE(n & 0xffff, i * 2));
  return b;
};
const u32 = (...ns: number[]) => {
  const b = Buffer.alloc(ns.length * 4);
  ns.forEach((n, i) => b.writeUInt32BE(n >>> 0, i * 4));
  return b;
};
const fourcc = (s: string) => Buffer.from(s, 'latin1');
const fullBox = (type: string, version: number, flags: number, ...payload: Buffer[]) =>
  box(type, u32(((version << 24) | flags) >>> 0), ...payload);
const MATRIX = u32(0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000);

/** `2024-06-01T14:03:22+0200`: the form iPhones write into com.apple.quicktime.creationdate. */
export function quickTimeDate(t: ManifestCaptureTime): string {
  const d = new Date(t.utcMs + t.offsetMinutes * 60_000);
  const p = (n: number) => String(n).padStart(2, '0');
  const abs = Math.abs(t.offsetMinutes);
  const zone = `${t.offsetMinutes < 0 ? '-' : '+'}${p(Math.floor(abs / 60))}${p(abs % 60)}`;
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}T${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}${zone}`;
}

function appleMetadata(spec: MovieSpec): Buffer {
  const items: [string, string][] = [
    ['com.apple.quicktime.make', 'Apple'],
    ['com.apple.quicktime.model', spec.model ?? 'iPhone 15 Pro'],
    ['com.apple.quicktime.software', '17.5.1'],
    ['com.apple.quicktime.creationdate', quickTimeDate(spec.capture)],
  ];
  if (spec.contentIdentifier) items.push(['com.apple.quicktime.content.identifier', spec.contentIdentifier]);
  const keys = fullBox(
    'keys',
    0,
    0,
    u32(items.length),
    ...items.map(([k]) => {
      const name = Buffer.from(k, 'utf8');
      return Buffer.concat([u32(8 + name.length), fourcc('mdta'), name]);
    }),
  );
  // ilst items are boxes whose type is the 1-based key index; `data` type 1 = UTF-8 text.
  const ilst = box(
    'ilst',
    ...items.map(([, v], i) => {
      const data = box('data', u32(1, 0), Buffer.from(v, 'utf8'));
      const head = Buffer.alloc(8);
      head.writeUInt32BE(8 + data.length, 0);
      head.writeUInt32BE(i + 1, 4);
      return Buffer.concat([head, data]);
    }),
  );
  const hdlr = fullBox('hdlr', 0, 0, u32(0), fourcc('mdta'), u32(0, 0, 0), u8(0));
  return box('meta', hdlr, keys, ilst);
}

function moov(spec: MovieSpec, chunkOffset: number): Buffer {
  const qt = spec.brand === 'qt';
  const created = Math.floor(spec.capture.utcMs / 1000) + QT_EPOCH_OFFSET_S;
  const n = spec.frames.length;
  const delta = Math.max(1, Math.round((spec.durationS * TIMESCALE) / n));
  const duration = delta * n;
  const mvhd = fullBox(
    'mvhd',
    0,
    0,
    u32(created, created, TIMESCALE, duration, 0x00010000),
    u16(0x0100),
    Buffer.alloc(10),
    MATRIX,
    u32(0, 0, 0, 0, 0, 0, 2),
  );
  const tkhd = fullBox(
    'tkhd',
    0,
    3,
    u32(created, created, 1, 0, duration, 0, 0),
    u16(0, 0, 0, 0),
    MATRIX,
    u32(spec.width << 16, spec.height << 16),
  );
  const mdhd = fullBox('mdhd', 0, 0, u32(created, created, TIMESCALE, duration), u16(qt ? 0 : 0x55c4, 0));
  const handlerName = Buffer.from('Core Media Video', 'latin1');
  const hdlr = qt
    ? fullBox('hdlr', 0, 0, fourcc('mhlr'), fourcc('vide'), u32(0, 0, 0), u8(handlerName.length), handlerName)
    : fullBox('hdlr', 0, 0, u32(0), fourcc('vide'), u32(0, 0, 0), handlerName, u8(0));
  const compressor = Buffer.alloc(32);
  compressor[0] = compressor.write('Photo - JPEG', 1, 'latin1');
  const sampleEntry = box(
    'jpeg',
    Buffer.alloc(6),
    u16(1),
    u16(0, 0),
    fourcc('appl'),
    u32(0, 0x200),
    u16(spec.width, spec.height),
    u32(0x00480000, 0x00480000, 0),
    u16(1),
    compressor,
    u16(24, 0xffff),
  );
  const stbl = box(
    'stbl',
    fullBox('stsd', 0, 0, u32(1), sampleEntry),
    fullBox('stts', 0, 0, u32(1, n, delta)),
    fullBox('stsc', 0, 0, u32(1, 1, n, 1)),
    fullBox('stsz', 0, 0, u32(0, n), u32(...spec.frames.map((f) => f.length))),
    fullBox('stco', 0, 0, u32(1, chunkOffset)),
  );
  const dref = fullBox('dref', 0, 0, u32(1), fullBox(qt ? 'alis' : 'url ', 0, 1));
  const minfParts = [fullBox('vmhd', 0, 1, u16(0, 0, 0, 0))];
  if (qt) minfParts.push(fullBox('hdlr', 0, 0, fourcc('dhlr'), fourcc('alis'), u32(0, 0, 0), u8(0)));
  const minf = box('minf', ...minfParts, box('dinf', dref), stbl);
  const trak = box('trak', tkhd, box('mdia', mdhd, hdlr, minf));
  return box('moov', mvhd, trak, appleMetadata(spec));
}

/**
 * The file as a list of chunks to write in order (frames repeat by reference, so a 50 MB movie
 * costs one frame of memory). Concatenated, the chunks are the file.
 */
export function buildMovieChunks(spec: MovieSpec): Buffer[] {
  const ftyp =
    spec.brand === 'qt'
      ? box('ftyp', fourcc('qt  '), u32(0), fourcc('qt  '))
      : box('ftyp', fourcc('mp42'), u32(1), fourcc('isommp42'));
  const wide = box('wide');
  const mediaBytes = spec.frames.reduce((s, f) => s + f.length, 0);
  // A plain 32-bit size: generated movies stay far below 4 GB.
  const mdatHeader = Buffer.concat([u32(8 + mediaBytes), fourcc('mdat')]);
  if (spec.moovAtEnd) {
    const offset = ftyp.length + wide.length + 8;
    return [ftyp, wide, mdatHeader, ...spec.frames, moov(spec, offset)];
  }
  const moovSize = moov(spec, 0).length;
  const offset = ftyp.length + moovSize + wide.length + 8;
  return [ftyp, moov(spec, offset), wide, mdatHeader, ...spec.frames];
}
