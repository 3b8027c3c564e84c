/**
 * Makes a live WAL database byte-for-byte reproducible. SQLite fills the WAL header's salts with
 * random bytes (sqlite3_randomness, unseedable from Node), and the salts flow into every frame
 * checksum and into the -shm wal-index header. This rewrites them to given values and recomputes
 * the checksums, following the formats in https://www.sqlite.org/fileformat2.html#walformat
 * ("WAL File Format", "Checksum Algorithm") and the wal-index header layout in SQLite's wal.c.
 */
import { TemplateFormatError } from './errors';

const WAL_HEADER = 32;
const FRAME_HEADER = 24;

/** SQLite's WAL checksum: pairs of 32-bit words, in the byte order the WAL header names. */
function checksum(data: Buffer, start: number, end: number, bigEndian: boolean, s: [number, number]): [number, number] {
  let [s1, s2] = s;
  for (let i = start; i < end; i += 8) {
    const x0 = bigEndian ? data.readUInt32BE(i) : data.readUInt32LE(i);
    const x1 = bigEndian ? data.readUInt32BE(i + 4) : data.readUInt32LE(i + 4);
    s1 = (s1 + x0 + s2) >>> 0;
    s2 = (s2 + x1 + s1) >>> 0;
  }
  return [s1, s2];
}

/**
 * Rewrites `wal` (in place) to carry `salt1`/`salt2`; then patches the wal-index header copies
 * in `shm` (in place) to match. Returns false, touching nothing in `shm`, when the shm is not in
 * the layout this knows (then the caller should zero it: SQLite rebuilds a zeroed wal-index).
 */
export function rewriteWalSalts(wal: Buffer, shm: Buffer, salt1: number, salt2: number): boolean {
  if (wal.length < WAL_HEADER) throw new TemplateFormatError('WAL file shorter than its header');
  const magic = wal.readUInt32BE(0);
  if (magic !== 0x377f0682 && magic !== 0x377f0683) throw new TemplateFormatError('not a SQLite WAL file');
  const bigEndian = magic === 0x377f0683;
  const pageSize = wal.readUInt32BE(8);
  wal.writeUInt32BE(salt1 >>> 0, 16);
  wal.writeUInt32BE(salt2 >>> 0, 20);
  let sum = checksum(wal, 0, 24, bigEndian, [0, 0]);
  wal.writeUInt32BE(sum[0], 24);
  wal.writeUInt32BE(sum[1], 28);

  let frames = 0;
  for (let at = WAL_HEADER; at + FRAME_HEADER + pageSize <= wal.length; at += FRAME_HEADER + pageSize) {
    wal.copy(wal, at + 8, 16, 24); // the frame's salts must equal the header's
    sum = checksum(wal, at, at + 8, bigEndian, sum);
    sum = checksum(wal, at + FRAME_HEADER, at + FRAME_HEADER + pageSize, bigEndian, sum);
    wal.writeUInt32BE(sum[0], at + 16);
    wal.writeUInt32BE(sum[1], at + 20);
    frames++;
  }
  return patchWalIndex(shm, wal, frames, sum);
}

/**
 * The -shm starts with two identical 48-byte WalIndexHdr copies in the host's byte order:
 * iVersion, unused, iChange, isInit(u8), bigEndCksum(u8), szPage(u16), mxFrame, nPage,
 * aFrameCksum[2], aSalt[2] (raw WAL header bytes), aCksum[2] (native checksum of bytes 0..39).
 */
function patchWalIndex(shm: Buffer, wal: Buffer, frames: number, lastSum: [number, number]): boolean {
  if (shm.length < 136) return false;
  const le = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
  const read32 = (at: number) => (le ? shm.readUInt32LE(at) : shm.readUInt32BE(at));
  const write32 = (v: number, at: number) => (le ? shm.writeUInt32LE(v >>> 0, at) : shm.writeUInt32BE(v >>> 0, at));
  if (read32(0) !== 3007000 || shm[12] !== 1 || read32(16) !== frames) return false;
  write32(lastSum[0], 24);
  write32(lastSum[1], 28);
  wal.copy(shm, 32, 16, 24);
  const sum = checksum(shm, 0, 40, !le, [0, 0]);
  write32(sum[0], 40);
  write32(sum[1], 44);
  shm.copy(shm, 48, 0, 48);
  return true;
}
