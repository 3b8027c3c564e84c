import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { connectDirectRead, takeDirectRead } from '../../../../src/main/device/usbmux/direct-read-socket';

/** A UNIX-socket server in a temp dir; `serve` gets each accepted socket. */
async function startServer(serve: (socket: net.Socket) => void) {
  const dir = await mkdtemp(path.join(tmpdir(), 'rk-direct-'));
  const socketPath = path.join(dir, 's.sock');
  const accepted: net.Socket[] = [];
  const server = net.createServer((socket) => {
    accepted.push(socket);
    serve(socket);
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  const clients: net.Socket[] = [];
  return {
    connect(): net.Socket {
      const socket = connectDirectRead({ path: socketPath });
      clients.push(socket);
      return socket;
    },
    async close(): Promise<void> {
      for (const socket of [...clients, ...accepted]) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

const once = (emitter: NodeJS.EventEmitter, event: string) =>
  new Promise<void>((resolve) => emitter.once(event, () => resolve()));

describe('direct-read socket', () => {
  it('is an ordinary stream until taken over: every byte, in order, in buffers of its own', async () => {
    const content = randomBytes(3 * 1024 * 1024 + 5);
    const server = await startServer((socket) => socket.end(content));
    cleanup = server.close;
    const socket = server.connect();
    const parts: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => parts.push(chunk));
    await once(socket, 'end');
    expect(Buffer.concat(parts).equals(content)).toBe(true);
    // The socket reads into one reused buffer: the chunks it emitted must be copies of it.
    expect(new Set(parts.map((part) => part.buffer)).size).toBe(parts.length);
  });

  it('stops reading while its consumer does not read (memory stays bounded)', async () => {
    const server = await startServer((socket) => socket.write(Buffer.alloc(16 * 1024 * 1024)));
    cleanup = server.close;
    const socket = server.connect();
    await once(socket, 'connect');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(socket.readableLength).toBeLessThanOrEqual(socket.readableHighWaterMark + 64 * 1024);
    let got = 0;
    socket.on('data', (chunk: Buffer) => (got += chunk.length));
    while (got < 16 * 1024 * 1024) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(got).toBe(16 * 1024 * 1024);
  });

  it('hands a consumer the bytes buffered before the takeover first, then reads into its buffers', async () => {
    // As after usbmux Connect: a reply is read as a stream, what followed it is unshifted, then
    // the service client takes the socket over.
    const head = Buffer.from('REPLY\n');
    const rest = randomBytes(100);
    const body = randomBytes(2 * 1024 * 1024);
    let serverSide: net.Socket | undefined;
    const server = await startServer((socket) => {
      serverSide = socket;
      socket.write(Buffer.concat([head, rest]));
    });
    cleanup = server.close;
    const socket = server.connect();
    const first = await new Promise<Buffer>((resolve) => socket.once('data', resolve));
    socket.pause();
    expect(first.subarray(0, head.length).equals(head)).toBe(true);
    socket.unshift(first.subarray(head.length));

    const target = Buffer.alloc(body.length + rest.length);
    let filled = 0;
    let inPlaceBytes = 0;
    const taken = takeDirectRead(socket, {
      nextBuffer: () => (filled < target.length ? target.subarray(filled) : undefined),
      onBytes(bytes, inPlace) {
        if (inPlace) {
          expect(bytes.buffer).toBe(target.buffer);
          expect(bytes.byteOffset).toBe(target.byteOffset + filled);
          inPlaceBytes += bytes.length;
        } else bytes.copy(target, filled);
        filled += bytes.length;
      },
    });
    expect(taken).toBe(true);
    socket.on('data', () => expect.unreachable('no data events after the takeover'));
    const ended = once(socket, 'end');
    serverSide!.end(body);
    await ended;
    expect(filled).toBe(target.length);
    expect(target.equals(Buffer.concat([rest, body]))).toBe(true);
    expect(inPlaceBytes).toBeGreaterThan(body.length / 2);
  });

  it('leaves any other stream alone, and takes a direct-read socket only once', async () => {
    const server = await startServer((socket) => socket.end('x'));
    cleanup = server.close;
    const consumer = { nextBuffer: () => undefined, onBytes: () => {} };
    const plain = new PassThrough();
    expect(takeDirectRead(plain, consumer)).toBe(false);
    expect(plain.readableFlowing).toBe(null);
    const direct = server.connect();
    expect(takeDirectRead(direct, consumer)).toBe(true);
    expect(takeDirectRead(direct, consumer)).toBe(false);
  });
});
