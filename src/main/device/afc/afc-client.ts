/**
 * AFC client: the file operations Rollkeeper needs, over any Duplex that reaches the phone's
 * `com.apple.afc` service (from the device session's connectToService, or a test socket).
 * Requests are pipelined (see AfcConnection); 64-bit fields stay bigint.
 */
import type { Duplex } from 'node:stream';
import { ProtocolError } from '../errors';
import { AfcConnection, type AfcConnectionOptions } from './afc-connection';
import { AfcError, AfcInvalidPathError } from './errors';
import { AfcChunkReader, ChunkBufferPool } from './chunk-reader';
import type { AfcReadOptions } from './read-pipeline';
import { AfcReadStream, type AfcReadStreamOptions } from './read-stream';
import {
  AfcFileMode,
  AfcOp,
  AfcWhence,
  cStrings as encodeStrings,
  frameBody,
  parseKeyValues,
  splitCStrings,
  u64s,
  type AfcFrame,
} from './protocol';

export type AfcFileType = 'file' | 'directory' | 'symlink' | 'other';

export interface AfcFileInfo {
  /** Size in bytes (u64 on the wire). */
  size: bigint;
  type: AfcFileType;
  /** Modification time, ms since the epoch (the wire carries nanoseconds). */
  mtimeMs: number;
  /** Creation time, ms since the epoch. */
  birthtimeMs: number;
  nlink: number;
  blocks: bigint;
  linkTarget?: string;
  /** Every key the phone sent, as sent. */
  raw: Record<string, string>;
}

export interface AfcDeviceInfo {
  model: string;
  totalBytes: bigint;
  freeBytes: bigint;
  blockSize: number;
  raw: Record<string, string>;
}

/** A handle from `open`. */
export type AfcHandle = bigint;

export type AfcOpenMode = 'r' | 'r+' | 'w' | 'w+' | 'a' | 'a+';
const OPEN_MODES: Record<AfcOpenMode, bigint> = {
  r: AfcFileMode.RDONLY,
  'r+': AfcFileMode.RW,
  w: AfcFileMode.WRONLY,
  'w+': AfcFileMode.WR,
  a: AfcFileMode.APPEND,
  'a+': AfcFileMode.RDAPPEND,
};

export interface AfcClientOptions extends AfcConnectionOptions {
  /** Default FILE_READ size for streams and ranged reads. */
  chunkSize?: number;
}

/** Default FILE_READ size: 4 MiB (bench/afc-read.ts compares 1/2/4/8 MiB; see docs/BENCHMARKS.md). */
export const DEFAULT_CHUNK_SIZE = 4 * 1024 * 1024;
/** Largest FILE_WRITE payload sent in one frame. */
const WRITE_CHUNK_SIZE = 1024 * 1024;

export class AfcClient {
  private readonly connection: AfcConnection;
  readonly chunkSize: number;
  /** Free buffers of chunkSize that readChunks readers pass on to one another. */
  private readonly chunkBuffers: ChunkBufferPool;

  constructor(socket: Duplex, options: AfcClientOptions = {}) {
    this.connection = new AfcConnection(socket, options);
    this.chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
    this.chunkBuffers = new ChunkBufferPool(this.chunkSize);
  }

  /** True once the connection has dropped or been closed. */
  get isClosed(): boolean {
    return this.connection.isClosed;
  }

  /** Requests sent and not yet answered. */
  get outstanding(): number {
    return this.connection.outstanding;
  }

  /** Calls `listener` once when the connection fails or closes. */
  onClosed(listener: (error: Error) => void): void {
    this.connection.onClosed(listener);
  }

  /** Closes the connection (pending calls reject with AfcClosedError). */
  close(): void {
    this.connection.close();
  }

  /** Names in a folder, without `.` and `..`. */
  async readDir(path: string): Promise<string[]> {
    const body = await this.call(AfcOp.READ_DIR, cStrings(path), `READ_DIR ${path}`, AfcOp.DATA);
    return splitCStrings(body).filter((name) => name !== '.' && name !== '..');
  }

  /** File information; throws AfcError (`isNotFound`) for a missing path. */
  async stat(path: string): Promise<AfcFileInfo> {
    const raw = parseKeyValues(
      await this.call(AfcOp.GET_FILE_INFO, cStrings(path), `GET_FILE_INFO ${path}`, AfcOp.DATA),
    );
    const ifmt = raw.st_ifmt;
    return {
      size: parseU64(raw.st_size, 'st_size'),
      type: ifmt === 'S_IFREG' ? 'file' : ifmt === 'S_IFDIR' ? 'directory' : ifmt === 'S_IFLNK' ? 'symlink' : 'other',
      mtimeMs: nanosToMs(raw.st_mtime),
      birthtimeMs: nanosToMs(raw.st_birthtime),
      nlink: Number(raw.st_nlink ?? 0),
      blocks: parseU64(raw.st_blocks ?? '0', 'st_blocks'),
      ...(raw.LinkTarget !== undefined ? { linkTarget: raw.LinkTarget } : {}),
      raw,
    };
  }

  /** Storage facts of the phone (GET_DEVINFO). */
  async deviceInfo(): Promise<AfcDeviceInfo> {
    const raw = parseKeyValues(await this.call(AfcOp.GET_DEVINFO, Buffer.alloc(0), 'GET_DEVINFO', AfcOp.DATA));
    return {
      model: raw.Model ?? '',
      totalBytes: parseU64(raw.FSTotalBytes ?? '0', 'FSTotalBytes'),
      freeBytes: parseU64(raw.FSFreeBytes ?? '0', 'FSFreeBytes'),
      blockSize: Number(raw.FSBlockSize ?? 0),
      raw,
    };
  }

  async open(path: string, mode: AfcOpenMode = 'r'): Promise<AfcHandle> {
    const what = `FILE_OPEN ${path}`;
    const frame = await this.connection.request(
      AfcOp.FILE_OPEN,
      Buffer.concat([u64s(OPEN_MODES[mode]), cStrings(path)]),
    );
    const body = checkReply(frame, what, AfcOp.FILE_OPEN_RES);
    if (body.length < 8) throw new ProtocolError(`AFC ${what} reply has ${body.length} bytes, expected a u64 handle.`);
    return body.readBigUInt64LE(0);
  }

  /**
   * Reads up to `length` bytes at the handle's position. An empty buffer means end of file.
   * A reply longer than asked is a protocol error (a confused or hostile peer).
   */
  async read(handle: AfcHandle, length: number): Promise<Buffer> {
    const parts = await this.readParts(handle, length);
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  /**
   * `read` without joining the reply: the bytes as the reply's own buffers (one per 4 MiB, see
   * frame-receiver.ts), never reused by the client. An empty array means end of file.
   * `target` (at least `length` bytes): the buffer the payload is received into instead, as
   * `[target.subarray(0, n)]`; do not touch it until this settles (bytes may land in it until then).
   */
  async readParts(handle: AfcHandle, length: number, target?: Buffer): Promise<Buffer[]> {
    const frame = await this.connection.request(AfcOp.FILE_READ, u64s(handle, BigInt(length)), undefined, target);
    let parts: Buffer[];
    if (frame.operation === AfcOp.DATA && frame.params.length === 0) parts = frame.data;
    else {
      const body = checkReply(frame, 'FILE_READ', AfcOp.DATA);
      parts = body.length > 0 ? [body] : [];
    }
    const total = parts.reduce((sum, part) => sum + part.length, 0);
    if (total > length) throw new ProtocolError(`AFC FILE_READ returned ${total} bytes for ${length} asked.`);
    return parts;
  }

  /** Writes all of `data` at the handle's position, in frames of at most 1 MiB. */
  async write(handle: AfcHandle, data: Buffer): Promise<void> {
    const replies: Promise<Buffer>[] = [];
    let offset = 0;
    do {
      await this.connection.drained();
      const part = data.subarray(offset, offset + WRITE_CHUNK_SIZE);
      offset += part.length;
      const reply = this.connection
        .request(AfcOp.FILE_WRITE, u64s(handle), part)
        .then((frame) => checkReply(frame, 'FILE_WRITE', AfcOp.STATUS));
      reply.catch(() => {});
      replies.push(reply);
    } while (offset < data.length);
    await Promise.all(replies);
  }

  /** Moves the handle's position; `offset` may be negative with whence `cur`/`end`. */
  async seek(handle: AfcHandle, offset: bigint, whence: 'set' | 'cur' | 'end' = 'set'): Promise<void> {
    const code = whence === 'set' ? AfcWhence.SET : whence === 'cur' ? AfcWhence.CUR : AfcWhence.END;
    await this.call(AfcOp.FILE_SEEK, u64s(handle, code, offset), 'FILE_SEEK', AfcOp.STATUS);
  }

  /** The handle's position. */
  async tell(handle: AfcHandle): Promise<bigint> {
    const body = await this.call(AfcOp.FILE_TELL, u64s(handle), 'FILE_TELL', AfcOp.FILE_TELL_RES);
    if (body.length < 8) throw new ProtocolError(`AFC FILE_TELL reply has ${body.length} bytes, expected a u64.`);
    return body.readBigUInt64LE(0);
  }

  async closeFile(handle: AfcHandle): Promise<void> {
    await this.call(AfcOp.FILE_CLOSE, u64s(handle), 'FILE_CLOSE', AfcOp.STATUS);
  }

  /** Removes a file or an empty folder (a non-empty one fails with AfcError). */
  async remove(path: string): Promise<void> {
    await this.call(AfcOp.REMOVE_PATH, cStrings(path), `REMOVE_PATH ${path}`, AfcOp.STATUS);
  }

  async rename(from: string, to: string): Promise<void> {
    await this.call(AfcOp.RENAME_PATH, cStrings(from, to), `RENAME_PATH ${from} -> ${to}`, AfcOp.STATUS);
  }

  /** Creates a folder and its missing parents (the phone's MAKE_DIR behaves like `mkdir -p`). */
  async mkdir(path: string): Promise<void> {
    await this.call(AfcOp.MAKE_DIR, cStrings(path), `MAKE_DIR ${path}`, AfcOp.STATUS);
  }

  /**
   * Reads `length` bytes from `offset` (fewer if the file ends first). Open, seek, reads and
   * close are pipelined: two round trips whatever the size. For header-only reads (EXIF).
   */
  async readRange(path: string, offset: number | bigint, length: number): Promise<Buffer> {
    if (!Number.isSafeInteger(length) || length < 0)
      throw new RangeError(`readRange length must be a non-negative integer, got ${length}.`);
    const handle = await this.open(path, 'r');
    const work: Promise<unknown>[] = [];
    if (BigInt(offset) !== 0n) work.push(this.seek(handle, BigInt(offset)));
    const reads: Promise<Buffer>[] = [];
    for (let at = 0; at < length; at += this.chunkSize)
      reads.push(this.read(handle, Math.min(this.chunkSize, length - at)));
    const closed = this.closeFile(handle);
    for (const promise of [...work, ...reads, closed]) promise.catch(() => {});
    await Promise.all(work);
    const parts: Buffer[] = [];
    let total = 0;
    for (const read of reads) {
      const part = await read;
      parts.push(part);
      total += part.length;
    }
    await closed;
    // Reads continue where the previous one stopped, so even short ones join without a gap.
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, total);
  }

  /** Reads a whole (small) file into memory. Prefer createReadStream for photos and videos. */
  async readFile(path: string): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const chunk of this.createReadStream(path)) parts.push(chunk as Buffer);
    return Buffer.concat(parts);
  }

  /**
   * A Readable of the file's bytes: `start`/`end` are inclusive byte positions as in
   * fs.createReadStream. Several FILE_READs of `chunkSize` are kept in flight; no new one is
   * sent while the consumer is not reading, so memory stays bounded. `signal` aborts it.
   */
  createReadStream(path: string, options: AfcReadStreamOptions = {}): AfcReadStream {
    return new AfcReadStream(this, path, { chunkSize: this.chunkSize, ...options });
  }

  /**
   * The file's bytes as chunks read into a ring of readAhead + 1 recycled buffers of chunkSize
   * (no fresh memory per FILE_READ; the buffers pass from one file to the next through this
   * client's pool). **Each chunk is valid only until the consumer asks for the next one** (or
   * the iteration ends or the reader is destroyed); copy what you keep longer.
   * Options and behaviour otherwise as createReadStream (see AfcChunkReader).
   */
  readChunks(path: string, options: AfcReadOptions = {}): AfcChunkReader {
    const chunkSize = options.chunkSize ?? this.chunkSize;
    const pool = chunkSize <= this.chunkBuffers.size ? this.chunkBuffers : undefined;
    return new AfcChunkReader(this, path, { ...options, chunkSize }, pool);
  }

  /** One request whose reply must be `expected` or a STATUS; returns the reply body. */
  private async call(operation: bigint, params: Buffer, what: string, expected: bigint): Promise<Buffer> {
    return checkReply(await this.connection.request(operation, params), what, expected);
  }
}

/**
 * A reply body, after checking it: STATUS with a non-zero code → AfcError; STATUS 0 where data
 * was expected → empty body; any other unexpected operation → ProtocolError.
 */
function checkReply(frame: AfcFrame, what: string, expected: bigint): Buffer {
  if (frame.operation === AfcOp.STATUS) {
    const body = frameBody(frame);
    if (body.length < 8) throw new ProtocolError(`AFC STATUS reply to ${what} has ${body.length} bytes, expected 8.`);
    const code = body.readBigUInt64LE(0);
    if (code !== 0n) throw new AfcError(code, what);
    return Buffer.alloc(0);
  }
  if (frame.operation !== expected) {
    throw new ProtocolError(`AFC reply to ${what} has operation ${frame.operation}, expected ${expected}.`);
  }
  return frameBody(frame);
}

/** Paths as NUL-terminated strings; a NUL inside one would silently cut it, so refuse it. */
function cStrings(...paths: string[]): Buffer {
  for (const path of paths) if (path.includes('\0')) throw new AfcInvalidPathError(path);
  return encodeStrings(...paths);
}

function parseU64(value: string | undefined, key: string): bigint {
  if (value === undefined || !/^\d{1,20}$/.test(value))
    throw new ProtocolError(`AFC file info has an invalid ${key}: ${JSON.stringify(value)}.`);
  return BigInt(value);
}

function nanosToMs(value: string | undefined): number {
  if (value === undefined || !/^\d{1,20}$/.test(value)) return 0;
  return Number(BigInt(value) / 1_000_000n);
}
