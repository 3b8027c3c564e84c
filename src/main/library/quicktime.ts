import { MalformedMediaError } from './errors';
import { type Box, childBoxes, readBoxHeader } from './iso-box';
import { type RandomAccessReader, windowedReader } from './random-access';

/** Seconds between 1904-01-01 (the QuickTime epoch) and 1970-01-01, both UTC. */
const QUICKTIME_EPOCH_OFFSET_S = 2_082_844_800;
/** The keys entry iPhones write with the local capture time and zone. */
export const APPLE_CREATION_DATE_KEY = 'com.apple.quicktime.creationdate';
/** `meta` / `udta` boxes above this are not read: metadata is kilobytes, a liar's length is not. */
const MAX_METADATA_BOX = 1024 * 1024;
/** A top-level walk that meets more boxes than this is not looking at a movie. */
const MAX_TOP_LEVEL_BOXES = 10_000;

/** The dates a QuickTime/MP4 file carries in its movie header. */
export interface QuickTimeDates {
  /** `mvhd` creation time: UTC by the QuickTime spec (iPhones follow it); null when 0 (unset). */
  movieCreatedUtcMs: number | null;
  /** The `com.apple.quicktime.creationdate` string (local time with zone), when present. */
  creationDate: string | null;
  /** Where `moov` starts: at the front ("fast start") or after the media data. */
  moovOffset: number;
}

/**
 * Reads the dates of a MOV/MP4 through ranged reads only: it walks the top-level boxes to `moov`
 * wherever it sits (front or end of the file), then reads just `mvhd` and the metadata boxes,
 * never the media data or the sample tables. Throws MalformedMediaError when there is no `moov`
 * or a length lies.
 */
export async function readQuickTimeDates(read: RandomAccessReader, fileSize: number): Promise<QuickTimeDates> {
  const windowed = windowedReader(read);
  const moov = await findTopLevel(windowed, fileSize, 'moov');
  if (!moov) throw new MalformedMediaError('The file has no movie header ("moov" box).');

  let movieCreatedUtcMs: number | null = null;
  let creationDate: string | null = null;
  let offset = moov.start;
  for (let n = 0; ; n++) {
    if (n > MAX_TOP_LEVEL_BOXES) throw new MalformedMediaError('Too many boxes in the movie header.');
    const box = await readBoxHeader(windowed, offset, moov.end);
    if (!box) break;
    offset = box.end;
    if (box.type === 'mvhd') {
      movieCreatedUtcMs = parseMvhdCreation(await readWhole(windowed, box, 256));
    } else if ((box.type === 'meta' || box.type === 'udta') && box.end - box.offset <= MAX_METADATA_BOX) {
      // Apple writes moov/meta; ffmpeg and others moov/udta/meta. Prefer the first one found.
      creationDate ??= findCreationDate(await readWhole(windowed, box, MAX_METADATA_BOX), box);
    }
  }
  return { movieCreatedUtcMs, creationDate, moovOffset: moov.offset };
}

async function findTopLevel(read: RandomAccessReader, fileSize: number, type: string): Promise<Box | null> {
  let offset = 0;
  for (let n = 0; n < MAX_TOP_LEVEL_BOXES; n++) {
    const box = await readBoxHeader(read, offset, fileSize);
    if (!box) return null;
    if (box.type === type) return box;
    offset = box.end;
  }
  throw new MalformedMediaError('Too many top-level boxes: this is not a movie file.');
}

async function readWhole(read: RandomAccessReader, box: Box, cap: number): Promise<Buffer> {
  const length = Math.min(box.end - box.offset, cap);
  const buf = await read(box.offset, length);
  if (buf.length < length) throw new MalformedMediaError(`The "${box.type}" box is cut off at the end of the file.`);
  return buf;
}

/** mvhd: version:u8 flags:u24, then creation time as u32 (version 0) or u64 (version 1). */
function parseMvhdCreation(buf: Buffer): number | null {
  const contentStart = buf.readUInt32BE(0) === 1 ? 16 : 8; // a 64-bit size makes the header 16 bytes
  if (buf.length < contentStart + 12) throw new MalformedMediaError('The movie header ("mvhd") is too short.');
  const version = buf[contentStart]!;
  const seconds = version === 1 ? Number(buf.readBigUInt64BE(contentStart + 4)) : buf.readUInt32BE(contentStart + 4);
  if (seconds === 0) return null;
  return (seconds - QUICKTIME_EPOCH_OFFSET_S) * 1000;
}

/** Finds the creation date in a `meta` box, or in the `meta` inside a `udta` box. */
function findCreationDate(buf: Buffer, box: Box): string | null {
  if (box.type === 'udta') {
    for (const child of childBoxes(buf, box.offset, box.start, box.end)) {
      if (child.type === 'meta') {
        const found = findCreationDate(buf.subarray(child.offset - box.offset, child.end - box.offset), child);
        if (found) return found;
      }
    }
    return null;
  }
  // QuickTime's `meta` is a plain container; ISO's is a full box with 4 bytes of version/flags.
  // Tell them apart by whether a `hdlr` box starts right after the header.
  const local = (at: number) => at - box.offset;
  const plain = buf.toString('latin1', local(box.start) + 4, local(box.start) + 8) === 'hdlr';
  const start = plain ? box.start : box.start + 4;
  const children = childBoxes(buf, box.offset, start, box.end);
  const keysBox = children.find((c) => c.type === 'keys');
  const ilst = children.find((c) => c.type === 'ilst');
  if (!keysBox || !ilst) return null;

  const keyIndex = parseKeys(buf.subarray(local(keysBox.start), local(keysBox.end))).indexOf(APPLE_CREATION_DATE_KEY);
  if (keyIndex < 0) return null;
  for (const item of childBoxes(buf, box.offset, ilst.start, ilst.end)) {
    // ilst children are named by their 1-based index into `keys`, as a big-endian u32.
    if (buf.readUInt32BE(local(item.offset) + 4) !== keyIndex + 1) continue;
    for (const data of childBoxes(buf, box.offset, item.start, item.end)) {
      if (data.type !== 'data' || data.end - data.start < 8) continue;
      const wellKnownType = buf.readUInt32BE(local(data.start)) & 0xffffff;
      if (wellKnownType !== 1) continue; // 1 = UTF-8 text
      return buf.toString('utf8', local(data.start) + 8, local(data.end));
    }
  }
  return null;
}

/** keys: version/flags, entry_count:u32, then [size:u32, namespace:4cc, name] entries. */
function parseKeys(buf: Buffer): string[] {
  if (buf.length < 8) throw new MalformedMediaError('The "keys" box is too short.');
  const count = buf.readUInt32BE(4);
  const keys: string[] = [];
  let at = 8;
  for (let i = 0; i < count; i++) {
    if (at + 8 > buf.length) throw new MalformedMediaError('The "keys" box lists more keys than it holds.');
    const size = buf.readUInt32BE(at);
    if (size < 8 || at + size > buf.length)
      throw new MalformedMediaError('A key in the "keys" box has a wrong length.');
    keys.push(buf.toString('utf8', at + 8, at + size));
    at += size;
  }
  return keys;
}
