/**
 * A reference, not a client: the least work any JavaScript reader can do on this machine to pull
 * a file over AFC. FILE_READs of 4 MiB, 3 in flight, the payload read straight into one reused
 * buffer and thrown away (no checks beyond lengths, nothing handed to a consumer). What it reaches
 * is the ceiling the simulator and the socket leave to any client in the same run; the gap to ours
 * is what handing each chunk out in memory of its own costs (see docs/BENCHMARKS.md, "AFC read").
 */
import type { Duplex } from 'node:stream';
import { AFC_HEADER_SIZE, AfcOp, cStrings, encodeHeader, u64s } from '../../src/main/device/afc/protocol';
import { takeDirectRead } from '../../src/main/device/usbmux/direct-read-socket';

const READ_SIZE = 4 * 1024 * 1024;
const IN_FLIGHT = 3;

interface Reply {
  params: Buffer;
  dataLength: number;
}

/** Reads every file to its end over `socket` (a direct-read socket from connectToService); returns the bytes read. */
export async function bareRead(socket: Duplex, files: string[]): Promise<number> {
  const sink = Buffer.allocUnsafe(READ_SIZE);
  const header = Buffer.alloc(AFC_HEADER_SIZE);
  let headerFilled = 0;
  let params: Buffer = Buffer.alloc(0);
  let paramsFilled = 0;
  let dataLeft = 0;
  let dataLength = 0;
  const waiters: Array<(reply: Reply) => void> = [];
  const done = (): void => waiters.shift()!({ params, dataLength });
  const push = (bytes: Buffer): void => {
    for (let at = 0; at < bytes.length;) {
      if (headerFilled < AFC_HEADER_SIZE) {
        const n = Math.min(AFC_HEADER_SIZE - headerFilled, bytes.length - at);
        bytes.copy(header, headerFilled, at, at + n);
        headerFilled += n;
        at += n;
        if (headerFilled < AFC_HEADER_SIZE) continue;
        const thisLength = Number(header.readBigUInt64LE(16));
        dataLength = dataLeft = Number(header.readBigUInt64LE(8)) - thisLength;
        params = Buffer.alloc(thisLength - AFC_HEADER_SIZE);
        paramsFilled = 0;
      } else if (paramsFilled < params.length) {
        const n = Math.min(params.length - paramsFilled, bytes.length - at);
        bytes.copy(params, paramsFilled, at, at + n);
        paramsFilled += n;
        at += n;
      } else {
        const n = Math.min(dataLeft, bytes.length - at);
        dataLeft -= n;
        at += n;
      }
      if (headerFilled === AFC_HEADER_SIZE && paramsFilled === params.length && dataLeft === 0) {
        headerFilled = 0;
        done();
      }
    }
  };
  takeDirectRead(socket, {
    nextBuffer: () =>
      headerFilled === AFC_HEADER_SIZE && paramsFilled === params.length && dataLeft > 0
        ? sink.subarray(0, Math.min(dataLeft, sink.length))
        : undefined,
    onBytes(bytes, inPlace) {
      if (!inPlace) return push(bytes);
      dataLeft -= bytes.length;
      if (dataLeft === 0) {
        headerFilled = 0;
        done();
      }
    },
  });
  let packetNum = 0n;
  const request = (operation: bigint, body: Buffer): Promise<Reply> => {
    socket.write(Buffer.concat([encodeHeader(packetNum++, operation, body.length, 0), body]));
    return new Promise((resolve) => waiters.push(resolve));
  };
  let bytes = 0;
  for (const file of files) {
    const opened = await request(AfcOp.FILE_OPEN, Buffer.concat([u64s(1n), cStrings(file)]));
    const handle = opened.params.readBigUInt64LE(0);
    const reads: Promise<Reply>[] = [];
    for (let ended = false; !ended;) {
      while (reads.length < IN_FLIGHT) reads.push(request(AfcOp.FILE_READ, u64s(handle, BigInt(READ_SIZE))));
      const reply = await reads.shift()!;
      if (reply.dataLength === 0) ended = true;
      bytes += reply.dataLength;
    }
    await Promise.all(reads);
    await request(AfcOp.FILE_CLOSE, u64s(handle));
  }
  return bytes;
}
