/**
 * The recycling reader (AfcClient.readChunks) against the simulator's AFC server: same bytes as
 * the file for every size and range, buffers really recycled (and so a chunk kept past next() is
 * overwritten: the contract), and the same endings as createReadStream (abort, drop, missing file).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AfcClient } from '../../../../src/main/device/afc/afc-client';
import type { AfcChunkReader } from '../../../../src/main/device/afc/chunk-reader';
import { AfcError } from '../../../../src/main/device/afc/errors';
import { DeviceDisconnectedError } from '../../../../src/main/device/errors';
import { CLIENT_TRANSPORTS, startTestAfc, writeRoll, type TestAfc } from './afc-test-server';

let afc: TestAfc | undefined;
afterEach(async () => {
  await afc?.cleanup();
  afc = undefined;
});

/**
 * Copies every chunk (they are only valid until the next one is asked for); `slow`: only after
 * a pause, as a consumer awaiting a disk write would, so replies in flight land meanwhile.
 */
async function collect(reader: AfcChunkReader, slow = false): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of reader) {
    if (slow) await new Promise((resolve) => setTimeout(resolve, 2));
    parts.push(Buffer.from(chunk));
  }
  return Buffer.concat(parts);
}

const CHUNK = 64 * 1024;

describe.each(CLIENT_TRANSPORTS)('AfcClient.readChunks (%s socket)', (transport) => {
  it('reads files of every size byte-identical, whole or to a range, with and without a known end', async () => {
    afc = await startTestAfc({}, {}, transport);
    const sizes = [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 5 * CHUNK + 17];
    const roll = await writeRoll(afc.root, Object.fromEntries(sizes.map((size) => [`/DCIM/F${size}.MOV`, size])));
    const client = await afc.connect({ chunkSize: CHUNK });
    for (const [afcPath, content] of roll) {
      expect((await collect(client.readChunks(afcPath))).equals(content), afcPath).toBe(true);
      // As the backup asks: one byte past the listed size (a file that grew would show it).
      const asBackup = client.readChunks(afcPath, { end: content.length, readAhead: 2 });
      expect((await collect(asBackup)).equals(content), afcPath).toBe(true);
      expect(asBackup.bytesRead).toBe(content.length);
      const slow = await collect(client.readChunks(afcPath, { end: content.length, readAhead: 2 }), true);
      expect(slow.equals(content), `${afcPath}, slow consumer`).toBe(true);
    }
    const content = roll.get(`/DCIM/F${5 * CHUNK + 17}.MOV`)!;
    for (const [start, end] of [
      [0, 0],
      [1, CHUNK],
      [CHUNK - 1, 3 * CHUNK + 5],
      [CHUNK, content.length - 1],
      [4 * CHUNK + 3, content.length + 100],
    ] as const) {
      const ranged = await collect(client.readChunks(`/DCIM/F${5 * CHUNK + 17}.MOV`, { start, end, readAhead: 4 }));
      expect(ranged.equals(content.subarray(start, end + 1)), `${start}-${end}`).toBe(true);
    }
    expect(afc.stats.openFiles).toBe(0);
  });

  it('recycles readAhead + 1 buffers: the same memory comes back every readAhead + 1 chunks', async () => {
    afc = await startTestAfc({}, {}, transport);
    const roll = await writeRoll(afc.root, { '/DCIM/a.mov': 20 * CHUNK });
    const client = await afc.connect({ chunkSize: CHUNK });
    for (const readAhead of [1, 3]) {
      const memory: ArrayBufferLike[] = [];
      const parts: Buffer[] = [];
      for await (const chunk of client.readChunks('/DCIM/a.mov', { readAhead })) {
        memory.push(chunk.buffer);
        parts.push(Buffer.from(chunk));
      }
      expect(Buffer.concat(parts).equals(roll.get('/DCIM/a.mov')!)).toBe(true);
      expect(memory).toHaveLength(20);
      expect(new Set(memory).size).toBe(readAhead + 1);
      for (let i = readAhead + 1; i < memory.length; i++) expect(memory[i]).toBe(memory[i - readAhead - 1]);
    }
    // The Readable, by contrast, hands out fresh memory every time.
    const fresh = new Set<ArrayBufferLike>();
    for await (const chunk of client.createReadStream('/DCIM/a.mov')) fresh.add((chunk as Buffer).buffer);
    expect(fresh.size).toBe(20);
  });

  it('passes its buffers on to the next file read on the same client (no fresh memory per photo)', async () => {
    afc = await startTestAfc({}, {}, transport);
    const sizes = [3 * CHUNK, CHUNK / 2, 2 * CHUNK, CHUNK, 2 * CHUNK + 3, CHUNK - 1];
    const roll = await writeRoll(afc.root, Object.fromEntries(sizes.map((size, i) => [`/DCIM/IMG_${i}.HEIC`, size])));
    const client = await afc.connect({ chunkSize: CHUNK });
    const memory = new Set<ArrayBufferLike>();
    let chunks = 0;
    for (const [afcPath, content] of roll) {
      const parts: Buffer[] = [];
      for await (const chunk of client.readChunks(afcPath, { end: content.length })) {
        memory.add(chunk.buffer);
        parts.push(Buffer.from(chunk));
        chunks++;
      }
      expect(Buffer.concat(parts).equals(content), afcPath).toBe(true);
    }
    expect(chunks).toBe(11);
    // Fresh memory would be one buffer a chunk; the client's pool keeps readAhead + 1 in use.
    expect(memory.size).toBeLessThanOrEqual(4);
  });

  it('overwrites a chunk kept past next() (the contract: copy what you keep)', async () => {
    afc = await startTestAfc({}, {}, transport);
    const roll = await writeRoll(afc.root, { '/DCIM/a.mov': 8 * CHUNK });
    const content = roll.get('/DCIM/a.mov')!;
    const client = await afc.connect({ chunkSize: CHUNK });
    let first: Buffer | undefined;
    for await (const chunk of client.readChunks('/DCIM/a.mov', { readAhead: 1 })) {
      first ??= chunk;
      if (chunk === first) expect(first.equals(content.subarray(0, CHUNK))).toBe(true);
    }
    expect(first!.equals(content.subarray(0, CHUNK))).toBe(false);
    // It now holds a later chunk of the file: its buffer took that reply.
    const later = Array.from({ length: 7 }, (_, i) => content.subarray((i + 1) * CHUNK, (i + 2) * CHUNK));
    expect(later.some((part) => part.equals(first!))).toBe(true);
  });

  it('cancels with an AbortSignal mid-read: AbortError, and the handle is closed', async () => {
    afc = await startTestAfc({}, { latencyMs: 1 }, transport);
    await writeRoll(afc.root, { '/DCIM/BIG.MOV': 2 * 1024 * 1024 });
    const client = await afc.connect({ chunkSize: 16 * 1024 });
    const controller = new AbortController();
    let seen = 0;
    const reading = (async () => {
      for await (const chunk of client.readChunks('/DCIM/BIG.MOV', { signal: controller.signal })) {
        seen += chunk.length;
        if (seen > 100_000) controller.abort();
      }
    })();
    await expect(reading).rejects.toMatchObject({ name: 'AbortError', code: 'ABORT_ERR' });
    expect(seen).toBeLessThan(200_000);
    await client.stat('/DCIM'); // one more round trip: the FILE_CLOSE was answered before it
    expect(afc.stats.openFiles).toBe(0);
    // Already aborted: nothing is opened, the first next() throws.
    const aborted = client.readChunks('/DCIM/BIG.MOV', { signal: controller.signal });
    await expect(aborted.next()).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('stops at a break and closes the handle before the loop is left', async () => {
    afc = await startTestAfc({}, {}, transport);
    await writeRoll(afc.root, { '/DCIM/a.mov': 10 * CHUNK });
    const client = await afc.connect({ chunkSize: CHUNK });
    for await (const chunk of client.readChunks('/DCIM/a.mov')) if (chunk.length > 0) break;
    expect(afc.stats.openFiles).toBe(0);
    const requests = afc.stats.requests;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(afc.stats.requests).toBe(requests); // nothing more asked
  });

  it('ends a known range short (no error) when the file shrank since it was listed', async () => {
    afc = await startTestAfc({}, {}, transport);
    const roll = await writeRoll(afc.root, { '/DCIM/a.mov': 3 * CHUNK + 5 });
    const client = await afc.connect({ chunkSize: CHUNK });
    const reader = client.readChunks('/DCIM/a.mov', { end: 10 * CHUNK, readAhead: 8 });
    expect((await collect(reader)).equals(roll.get('/DCIM/a.mov')!)).toBe(true);
    expect(reader.bytesRead).toBe(3 * CHUNK + 5);
    expect(afc.stats.openFiles).toBe(0);
  });

  it('reports a missing file as a typed not-found error on the first chunk', async () => {
    afc = await startTestAfc({}, {}, transport);
    const client = await afc.connect({ chunkSize: CHUNK });
    const error = await collect(client.readChunks('/DCIM/gone.mov')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AfcError);
    expect((error as AfcError).isNotFound).toBe(true);
  });

  it('fails with a typed disconnected error when the link drops mid-read, and the phone side is freed', async () => {
    afc = await startTestAfc({}, { dropAfterBytes: 300_000 }, transport);
    await writeRoll(afc.root, { '/DCIM/a.mov': 2_000_000 });
    const client = await afc.connect({ chunkSize: CHUNK });
    let got = 0;
    const reading = (async () => {
      for await (const chunk of client.readChunks('/DCIM/a.mov')) got += chunk.length;
    })();
    await expect(reading).rejects.toBeInstanceOf(DeviceDisconnectedError);
    expect(got).toBeLessThan(300_000);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(afc.stats.openFiles).toBe(0);
  });

  it('refuses options that are not non-negative integers', async () => {
    afc = await startTestAfc({}, {}, transport);
    const client = await afc.connect();
    expect(() => client.readChunks('/a', { start: 1.5 })).toThrow(RangeError);
    expect(() => client.readChunks('/a', { chunkSize: -1 })).toThrow(RangeError);
  });
});

describe('AfcClient.readChunks on a phone that stops answering', () => {
  it('settles the pending next() with AbortError as soon as the signal aborts', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'rk-silent-'));
    const accepted: net.Socket[] = [];
    const server = net.createServer((socket) => accepted.push(socket)); // reads, never answers
    const socketPath = path.join(dir, 'afc.sock');
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    const socket = net.createConnection(socketPath);
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    const client = new AfcClient(socket);
    try {
      const controller = new AbortController();
      const waiting = client.readChunks('/DCIM/a.mov', { signal: controller.signal }).next();
      setTimeout(() => controller.abort(), 10);
      // Without the abort this would wait for the 30 s idle timeout (and fail the test's 5 s).
      await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    } finally {
      client.close();
      for (const peer of accepted) peer.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    }
  });
});
