import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { Link, type LinkOptions } from '../../../src/simulator/link';

interface Harness {
  /** The phone's (server's) shaped sockets, in connection order. */
  phoneSides: Duplex[];
  connect(): Promise<net.Socket>;
  close(): Promise<void>;
}

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function start(link: Link): Promise<Harness> {
  const dir = await mkdtemp(path.join(tmpdir(), 'rk-link-'));
  const socketPath = path.join(dir, 's');
  const phoneSides: Duplex[] = [];
  const waiting: Array<() => void> = [];
  const server = net.createServer((socket) => {
    phoneSides.push(link.wrap(socket));
    waiting.shift()?.();
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  const clients: net.Socket[] = [];
  return {
    phoneSides,
    async connect() {
      const accepted = new Promise<void>((resolve) => waiting.push(resolve));
      const socket = net.createConnection(socketPath);
      clients.push(socket);
      await accepted;
      return socket;
    },
    async close() {
      for (const socket of [...clients, ...phoneSides]) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Everything the host side receives until the connection closes. */
function receiveAll(socket: net.Socket): Promise<Buffer> {
  const parts: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => parts.push(chunk));
  return new Promise((resolve) => socket.on('close', () => resolve(Buffer.concat(parts))));
}

describe('Link', () => {
  const shapes: Array<[string, LinkOptions]> = [
    ['unlimited', {}],
    ['usb2 (35 MB/s, 1 ms)', { preset: 'usb2' }],
    ['latency only', { latencyMs: 3 }],
  ];
  for (const [name, options] of shapes) {
    it(`delivers every byte in order both ways (${name})`, async () => {
      harness = await start(new Link(options));
      const host = await harness.connect();
      const phone = harness.phoneSides[0]!;
      const up = randomBytes(10_000);
      const gotUp = new Promise<Buffer>((resolve) => {
        const parts: Buffer[] = [];
        phone.on('data', (chunk: Buffer) => {
          parts.push(chunk);
          if (Buffer.concat(parts).length === up.length) resolve(Buffer.concat(parts));
        });
      });
      host.write(up);
      expect((await gotUp).equals(up)).toBe(true);

      const data = randomBytes(700_000);
      const received = receiveAll(host);
      for (let at = 0; at < data.length; at += 50_000) phone.write(data.subarray(at, at + 50_000));
      phone.end();
      expect((await received).equals(data)).toBe(true);
    });
  }

  it('shares one cable between connections: bandwidth is booked on the link, not per socket', () => {
    const link = new Link({ preset: 'usb2' });
    expect(link.bytesPerSecond).toBe(35_000_000);
    expect(link.latencyMs).toBe(1);
    const first = link.reserve(35_000_000);
    const second = link.reserve(3_500_000);
    expect(second - first).toBeCloseTo(100, 6); // queued behind the first second of transfer
    expect(new Link({ preset: 'usb2', latencyMs: 7 }).latencyMs).toBe(7);
    expect(new Link({ preset: 'usb3' }).bytesPerSecond).toBe(400_000_000);
  });

  it('drops every connection once after N bytes, delivering exactly N', async () => {
    const link = new Link({ dropAfterBytes: 123_456 });
    harness = await start(link);
    const one = await harness.connect();
    const two = await harness.connect();
    const gotOne = receiveAll(one);
    const gotTwo = receiveAll(two);
    harness.phoneSides[0]!.write(Buffer.alloc(100_000, 1));
    harness.phoneSides[0]!.write(Buffer.alloc(100_000, 2));
    const [bytesOne, bytesTwo] = await Promise.all([gotOne, gotTwo]);
    expect(bytesOne.length).toBe(123_456);
    expect(bytesTwo.length).toBe(0);
    // Armed once: a new connection is not dropped.
    const three = await harness.connect();
    const gotThree = receiveAll(three);
    harness.phoneSides[2]!.end(Buffer.alloc(200_000, 3));
    expect((await gotThree).length).toBe(200_000);
  });

  it('can be re-armed at runtime, and drops through shaping too', async () => {
    const link = new Link({ latencyMs: 1 });
    harness = await start(link);
    const host = await harness.connect();
    const got = receiveAll(host);
    link.dropAfter(1000);
    harness.phoneSides[0]!.write(Buffer.alloc(600));
    harness.phoneSides[0]!.write(Buffer.alloc(600));
    expect((await got).length).toBe(1000);
  });
});
