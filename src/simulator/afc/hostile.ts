/**
 * Malformed AFC replies for the client's bad-input tests. Each mode answers a request with one
 * kind of broken frame, the kinds a buggy or hostile peer could send.
 */
import { AFC_HEADER_SIZE, AfcOp, encodeHeader, u64s } from '../../main/device/afc/protocol';

export type AfcHostileMode =
  /** The magic is not `CFA6LPAA`. */
  | 'bad-magic'
  /** A header announcing 1 MiB, 16 bytes of it, then the connection ends. */
  | 'truncated'
  /** entire_length smaller than this_length. */
  | 'lying-length'
  /** entire_length of 2^62: must be refused without allocating or waiting for it. */
  | 'huge-length'
  /** A well-formed reply carrying a packet number nobody asked for. */
  | 'wrong-packet'
  /** A STATUS reply too short to hold its code. */
  | 'short-status'
  /** A FILE_READ answer longer than what was asked. */
  | 'oversized-read';

/** The bytes to send for `mode` in answer to request `packetNum`; `end` means close afterwards. */
export function hostileReply(
  mode: AfcHostileMode,
  packetNum: bigint,
  operation: bigint,
): { bytes: Buffer; end: boolean } {
  switch (mode) {
    case 'bad-magic': {
      const frame = Buffer.concat([encodeHeader(packetNum, AfcOp.STATUS, 8, 0), Buffer.alloc(8)]);
      frame.write('XXXXXXXX', 0, 'latin1');
      return { bytes: frame, end: false };
    }
    case 'truncated':
      return {
        bytes: Buffer.concat([encodeHeader(packetNum, AfcOp.DATA, 0, 1024 * 1024), Buffer.alloc(16, 0x41)]),
        end: true,
      };
    case 'lying-length': {
      const header = encodeHeader(packetNum, AfcOp.DATA, 0, 0);
      header.writeBigUInt64LE(20n, 8); // entire_length 20 < this_length 40
      return { bytes: header, end: false };
    }
    case 'huge-length': {
      const header = encodeHeader(packetNum, AfcOp.DATA, 0, 0);
      header.writeBigUInt64LE(1n << 62n, 8);
      return { bytes: Buffer.concat([header, Buffer.alloc(64)]), end: false };
    }
    case 'wrong-packet':
      return {
        bytes: Buffer.concat([encodeHeader(packetNum + 1000n, AfcOp.STATUS, 8, 0), Buffer.alloc(8)]),
        end: false,
      };
    case 'short-status': {
      const frame = Buffer.alloc(AFC_HEADER_SIZE + 2);
      encodeHeader(packetNum, AfcOp.STATUS, 2, 0).copy(frame);
      return { bytes: frame, end: false };
    }
    case 'oversized-read': {
      // Only meaningful for FILE_READ; other requests get an ordinary success.
      if (operation === AfcOp.FILE_OPEN)
        return { bytes: Buffer.concat([encodeHeader(packetNum, AfcOp.FILE_OPEN_RES, 8, 0), u64s(1n)]), end: false };
      if (operation !== AfcOp.FILE_READ) {
        return { bytes: Buffer.concat([encodeHeader(packetNum, AfcOp.STATUS, 8, 0), Buffer.alloc(8)]), end: false };
      }
      return {
        bytes: Buffer.concat([encodeHeader(packetNum, AfcOp.DATA, 0, 1 << 20), Buffer.alloc(1 << 20)]),
        end: false,
      };
    }
  }
}
