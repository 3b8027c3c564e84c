/**
 * AFC (Apple File Conduit) wire format: constants, header codec and an incremental frame parser.
 *
 * A frame is a 40-byte header (magic `CFA6LPAA`, then four little-endian u64: entire_length,
 * this_length, packet_num, operation), then `this_length - 40` bytes of parameters, then
 * `entire_length - this_length` bytes of bulk data. Facts from libimobiledevice `afc.c`/`afc.h`
 * and pymobiledevice3 `services/afc.py` (see /work/shared/reference/ios-device-protocols.md §3).
 *
 * This module is shared by the client (src/main/device/afc) and the simulator's AFC server:
 * it imports nothing but the protocol error type.
 */
import { ProtocolError } from '../errors';

export const AFC_MAGIC = Buffer.from('CFA6LPAA', 'ascii');
export const AFC_HEADER_SIZE = 40;

/**
 * Largest frame either side accepts: a 64 MiB data payload plus header and a little parameter
 * room. Frames announcing more are refused before anything is allocated for them.
 */
export const AFC_MAX_FRAME_BYTES = 64 * 1024 * 1024 + 64 * 1024;

/** Operation codes (libimobiledevice `afc.h`, `AFC_OP_*`). */
export const AfcOp = {
  STATUS: 0x01n,
  DATA: 0x02n,
  READ_DIR: 0x03n,
  REMOVE_PATH: 0x08n,
  MAKE_DIR: 0x09n,
  GET_FILE_INFO: 0x0an,
  GET_DEVINFO: 0x0bn,
  FILE_OPEN: 0x0dn,
  FILE_OPEN_RES: 0x0en,
  FILE_READ: 0x0fn,
  FILE_WRITE: 0x10n,
  FILE_SEEK: 0x11n,
  FILE_TELL: 0x12n,
  FILE_TELL_RES: 0x13n,
  FILE_CLOSE: 0x14n,
  FILE_SET_SIZE: 0x15n,
  RENAME_PATH: 0x18n,
  REMOVE_PATH_AND_CONTENTS: 0x22n,
} as const;

/** Status codes carried by a STATUS reply (libimobiledevice `afc_error_t`). */
export const AFC_STATUS_NAMES = [
  'SUCCESS',
  'UNKNOWN_ERROR',
  'OP_HEADER_INVALID',
  'NO_RESOURCES',
  'READ_ERROR',
  'WRITE_ERROR',
  'UNKNOWN_PACKET_TYPE',
  'INVALID_ARG',
  'OBJECT_NOT_FOUND',
  'OBJECT_IS_DIR',
  'PERM_DENIED',
  'SERVICE_NOT_CONNECTED',
  'OP_TIMEOUT',
  'TOO_MUCH_DATA',
  'END_OF_DATA',
  'OP_NOT_SUPPORTED',
  'OBJECT_EXISTS',
  'OBJECT_BUSY',
  'NO_SPACE_LEFT',
  'OP_WOULD_BLOCK',
  'IO_ERROR',
  'OP_INTERRUPTED',
  'OP_IN_PROGRESS',
  'INTERNAL_ERROR',
] as const;
export type AfcStatusName = (typeof AFC_STATUS_NAMES)[number];

export const AfcStatus = Object.fromEntries(AFC_STATUS_NAMES.map((name, code) => [name, BigInt(code)])) as Record<
  AfcStatusName,
  bigint
>;

/** The name of a status code, or `UNKNOWN_STATUS_<n>` for codes newer than this table. */
export function afcStatusName(code: bigint): string {
  return code >= 0n && code < BigInt(AFC_STATUS_NAMES.length)
    ? AFC_STATUS_NAMES[Number(code)]!
    : `UNKNOWN_STATUS_${code}`;
}

/** FILE_OPEN modes (`AFC_FOPEN_*`): r, r+, w, w+, a, a+. */
export const AfcFileMode = { RDONLY: 1n, RW: 2n, WRONLY: 3n, WR: 4n, APPEND: 5n, RDAPPEND: 6n } as const;

/** FILE_SEEK whence values (same as lseek). */
export const AfcWhence = { SET: 0n, CUR: 1n, END: 2n } as const;

export interface AfcHeader {
  entireLength: bigint;
  thisLength: bigint;
  packetNum: bigint;
  operation: bigint;
}

/** A complete frame. `data` is the bulk part as the received chunks (not concatenated). */
export interface AfcFrame {
  packetNum: bigint;
  operation: bigint;
  /** The parameter area (`this_length - 40` bytes). */
  params: Buffer;
  /** The bulk data after the parameters, as slices of the received chunks. */
  data: Buffer[];
  /** Total bytes in `data`. */
  dataLength: number;
}

/** Encodes a header for a frame with `paramsLength` parameter bytes and `dataLength` bulk bytes. */
export function encodeHeader(packetNum: bigint, operation: bigint, paramsLength: number, dataLength: number): Buffer {
  const header = Buffer.allocUnsafe(AFC_HEADER_SIZE);
  AFC_MAGIC.copy(header, 0);
  const thisLength = BigInt(AFC_HEADER_SIZE + paramsLength);
  header.writeBigUInt64LE(thisLength + BigInt(dataLength), 8);
  header.writeBigUInt64LE(thisLength, 16);
  header.writeBigUInt64LE(packetNum, 24);
  header.writeBigUInt64LE(operation, 32);
  return header;
}

/** Decodes and validates a header; throws ProtocolError on bad magic or impossible lengths. */
export function decodeHeader(bytes: Buffer, maxFrameBytes = AFC_MAX_FRAME_BYTES): AfcHeader {
  if (bytes.length < AFC_HEADER_SIZE) throw new ProtocolError(`AFC header is ${bytes.length} bytes, expected 40.`);
  if (!bytes.subarray(0, 8).equals(AFC_MAGIC)) {
    throw new ProtocolError(`AFC frame has a bad magic (${JSON.stringify(bytes.subarray(0, 8).toString('latin1'))}).`);
  }
  const entireLength = bytes.readBigUInt64LE(8);
  const thisLength = bytes.readBigUInt64LE(16);
  if (thisLength < BigInt(AFC_HEADER_SIZE)) throw new ProtocolError(`AFC frame has this_length ${thisLength} < 40.`);
  if (entireLength < thisLength) {
    throw new ProtocolError(`AFC frame has entire_length ${entireLength} < this_length ${thisLength}.`);
  }
  if (entireLength > BigInt(maxFrameBytes)) {
    throw new ProtocolError(`AFC frame of ${entireLength} bytes exceeds the ${maxFrameBytes}-byte limit.`);
  }
  return { entireLength, thisLength, packetNum: bytes.readBigUInt64LE(24), operation: bytes.readBigUInt64LE(32) };
}

/** u64 little-endian values as one buffer (parameter areas of FILE_READ, FILE_SEEK, …). */
export function u64s(...values: bigint[]): Buffer {
  const out = Buffer.allocUnsafe(values.length * 8);
  values.forEach((value, i) => out.writeBigUInt64LE(BigInt.asUintN(64, value), i * 8));
  return out;
}

/** NUL-terminated UTF-8 strings, concatenated (paths, RENAME_PATH's `from\0to\0`). */
export function cStrings(...values: string[]): Buffer {
  return Buffer.from(values.map((value) => `${value}\0`).join(''), 'utf8');
}

/** Splits a NUL-separated list (READ_DIR, GET_FILE_INFO, GET_DEVINFO), dropping the trailing empty item. */
export function splitCStrings(bytes: Buffer): string[] {
  const items = bytes.toString('utf8').split('\0');
  if (items.at(-1) === '') items.pop();
  return items;
}

/** `key\0value\0` pairs as a record (GET_FILE_INFO, GET_DEVINFO). */
export function parseKeyValues(bytes: Buffer): Record<string, string> {
  const items = splitCStrings(bytes);
  const out: Record<string, string> = Object.create(null);
  for (let i = 0; i + 1 < items.length; i += 2) out[items[i]!] = items[i + 1]!;
  return out;
}

/** Encodes a record as `key\0value\0` pairs. */
export function encodeKeyValues(record: Record<string, string>): Buffer {
  return cStrings(...Object.entries(record).flat());
}

/**
 * Incremental frame parser (the simulator's AFC server reads requests with it; our client reads
 * replies with AfcFrameReceiver, frame-receiver.ts, which can take payloads read in place).
 * Feed it socket chunks with `push`; it returns the frames completed.
 * Bulk data is handed out as slices of the chunks it arrived in, so a 4 MiB read reply is never
 * copied here (measured: assembling it into one buffer costs a fresh 4 MiB allocation and a
 * memcpy per frame, more than it saves in garbage collection). Each header is validated as soon
 * as its 40 bytes are in, so a lying or huge length is refused before anything is allocated for
 * it, and the parser never holds more than one frame's bytes.
 * After it has thrown, it stays failed (the stream is no longer in sync).
 */
export class AfcFrameParser {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private header: AfcHeader | undefined;
  private failed: Error | undefined;

  constructor(private readonly maxFrameBytes = AFC_MAX_FRAME_BYTES) {}

  /** Bytes held for the frame being received. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  push(chunk: Buffer): AfcFrame[] {
    if (this.failed) throw this.failed;
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const frames: AfcFrame[] = [];
    try {
      for (;;) {
        if (!this.header) {
          if (this.buffered < AFC_HEADER_SIZE) break;
          this.header = decodeHeader(this.take(AFC_HEADER_SIZE, true)[0]!, this.maxFrameBytes);
        }
        // Both lengths are proven <= maxFrameBytes, so Number() is exact.
        const paramsLength = Number(this.header.thisLength) - AFC_HEADER_SIZE;
        const dataLength = Number(this.header.entireLength - this.header.thisLength);
        if (this.buffered < paramsLength + dataLength) break;
        const params = paramsLength === 0 ? Buffer.alloc(0) : this.take(paramsLength, true)[0]!;
        const data = dataLength === 0 ? [] : this.take(dataLength, false);
        frames.push({ packetNum: this.header.packetNum, operation: this.header.operation, params, data, dataLength });
        this.header = undefined;
      }
    } catch (error) {
      this.failed = error as Error;
      this.chunks = [];
      this.buffered = 0;
      throw error;
    }
    return frames;
  }

  /** Removes `length` bytes from the front; `contiguous` joins them into one buffer. */
  private take(length: number, contiguous: boolean): Buffer[] {
    const parts: Buffer[] = [];
    let remaining = length;
    while (remaining > 0) {
      const head = this.chunks[0]!;
      if (head.length <= remaining) {
        parts.push(head);
        this.chunks.shift();
        remaining -= head.length;
      } else {
        parts.push(head.subarray(0, remaining));
        this.chunks[0] = head.subarray(remaining);
        remaining = 0;
      }
    }
    this.buffered -= length;
    if (contiguous && parts.length > 1) return [Buffer.concat(parts, length)];
    return parts;
  }
}

/** Joins a frame's params and data, the way libimobiledevice reads a reply body. */
export function frameBody(frame: AfcFrame): Buffer {
  if (frame.dataLength === 0) return frame.params;
  if (frame.params.length === 0 && frame.data.length === 1) return frame.data[0]!;
  return Buffer.concat([frame.params, ...frame.data], frame.params.length + frame.dataLength);
}
