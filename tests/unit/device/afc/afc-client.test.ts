import { readFile, readdir, stat as fsStat, symlink } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { AfcError } from '../../../../src/main/device/afc/errors';
import { DeviceDisconnectedError } from '../../../../src/main/device/errors';
import { CLIENT_TRANSPORTS, startTestAfc, writeRoll, type TestAfc } from './afc-test-server';

let afc: TestAfc | undefined;
afterEach(async () => {
  await afc?.cleanup();
  afc = undefined;
});

/** Collects a stream's bytes. */
async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

describe.each(CLIENT_TRANSPORTS)('AfcClient against the simulator (%s socket)', (transport) => {
  it('lists and reads every file of a roll byte-identical, whatever the chunk size', async () => {
    afc = await startTestAfc({}, {}, transport);
    const chunk = 64 * 1024;
    const roll = await writeRoll(afc.root, {
      '/DCIM/100APPLE/IMG_0001.HEIC': 0,
      '/DCIM/100APPLE/IMG_0002.HEIC': 1,
      '/DCIM/100APPLE/IMG_0003.JPG': chunk,
      '/DCIM/100APPLE/IMG_0004.MOV': chunk * 5 + 17,
      '/DCIM/101APPLE/IMG_0001.HEIC': 123_457,
      '/PhotoData/Photos.sqlite': 4096,
    });
    const client = await afc.connect({ chunkSize: chunk });
    expect((await client.readDir('/DCIM')).sort()).toEqual(['100APPLE', '101APPLE']);
    expect((await client.readDir('DCIM/100APPLE')).sort()).toEqual([
      'IMG_0001.HEIC',
      'IMG_0002.HEIC',
      'IMG_0003.JPG',
      'IMG_0004.MOV',
    ]);
    for (const [afcPath, content] of roll) {
      const info = await client.stat(afcPath);
      expect(info.size).toBe(BigInt(content.length));
      expect(info.type).toBe('file');
      expect(Math.abs(info.mtimeMs - (await fsStat(path.join(afc.root, afcPath))).mtimeMs)).toBeLessThan(1);
      expect((await client.readFile(afcPath)).equals(content)).toBe(true);
    }
    expect((await client.stat('/DCIM')).type).toBe('directory');
    expect(afc.stats.openFiles).toBe(0);
  });

  it('reads ranges (header-only reads) and streams between start and end', async () => {
    afc = await startTestAfc({}, {}, transport);
    const roll = await writeRoll(afc.root, { '/DCIM/100APPLE/IMG_0001.MOV': 300_000 });
    const content = roll.get('/DCIM/100APPLE/IMG_0001.MOV')!;
    const client = await afc.connect({ chunkSize: 32 * 1024 });
    expect((await client.readRange('/DCIM/100APPLE/IMG_0001.MOV', 0, 65_536)).equals(content.subarray(0, 65_536))).toBe(
      true,
    );
    expect(
      (await client.readRange('/DCIM/100APPLE/IMG_0001.MOV', 250_000n, 100_000)).equals(content.subarray(250_000)),
    ).toBe(true);
    expect((await client.readRange('/DCIM/100APPLE/IMG_0001.MOV', 400_000, 10)).length).toBe(0);
    const stream = client.createReadStream('/DCIM/100APPLE/IMG_0001.MOV', { start: 1000, end: 200_999, readAhead: 4 });
    expect((await collect(stream)).equals(content.subarray(1000, 201_000))).toBe(true);
    expect(stream.bytesRead).toBe(200_000);
    expect(afc.stats.openFiles).toBe(0);
  });

  it('reads a known range without asking past its end, closing right behind the last read', async () => {
    afc = await startTestAfc({}, {}, transport);
    const roll = await writeRoll(afc.root, { '/DCIM/a.jpg': 100_000 });
    const client = await afc.connect({ chunkSize: 40_000 });
    const before = afc.stats.requests;
    const bytes = await collect(client.createReadStream('/DCIM/a.jpg', { end: 99_999 }));
    expect(bytes.equals(roll.get('/DCIM/a.jpg')!)).toBe(true);
    expect(afc.stats.requests - before).toBe(1 + 3 + 1); // open, 3 reads, close: no end-of-file probe
    expect(afc.stats.openFiles).toBe(0);
  });

  it('ends a known range short (no error) when the file shrank since it was listed', async () => {
    afc = await startTestAfc({ faults: { changeSize: { '/DCIM/a.mov': -30_000 } } }, {}, transport);
    const roll = await writeRoll(afc.root, { '/DCIM/a.mov': 100_000 });
    const client = await afc.connect({ chunkSize: 16_384 });
    const size = Number((await client.stat('/DCIM/a.mov')).size);
    const stream = client.createReadStream('/DCIM/a.mov', { end: size - 1, readAhead: 8 });
    const bytes = await collect(stream);
    expect(bytes.equals(roll.get('/DCIM/a.mov')!.subarray(0, 70_000))).toBe(true);
    expect(stream.bytesRead).toBe(70_000); // the caller compares with the listed size
    expect(afc.stats.openFiles).toBe(0);
  });

  it('refuses a range that is not a non-negative integer', async () => {
    afc = await startTestAfc({}, {}, transport);
    const client = await afc.connect();
    expect(() => client.createReadStream('/a', { start: 1.5 })).toThrow(RangeError);
    expect(() => client.createReadStream('/a', { end: -2 })).toThrow(RangeError);
  });

  it('keeps more than one request in flight when pipelining, exactly one when it is off', async () => {
    afc = await startTestAfc({}, { latencyMs: 2 }, transport);
    await writeRoll(afc.root, { '/DCIM/100APPLE/IMG_0001.MOV': 1_000_000 });
    const pipelined = await afc.connect({ chunkSize: 64 * 1024 });
    await collect(pipelined.createReadStream('/DCIM/100APPLE/IMG_0001.MOV', { readAhead: 4 }));
    expect(afc.stats.maxOutstanding).toBeGreaterThan(1);

    afc.stats.maxOutstanding = 0;
    const serial = await afc.connect({ chunkSize: 64 * 1024, maxInFlight: 1 });
    const [a, b] = await Promise.all([
      collect(serial.createReadStream('/DCIM/100APPLE/IMG_0001.MOV', { readAhead: 4 })),
      serial.readRange('/DCIM/100APPLE/IMG_0001.MOV', 0, 500_000),
    ]);
    expect(a.length).toBe(1_000_000);
    expect(b.length).toBe(500_000);
    expect(afc.stats.maxOutstanding).toBe(1);
  });

  it('honours backpressure: a consumer that stops reading stops the FILE_READs', async () => {
    afc = await startTestAfc({}, {}, transport);
    await writeRoll(afc.root, { '/DCIM/100APPLE/BIG.MOV': 4 * 1024 * 1024 });
    const client = await afc.connect();
    const stream = client.createReadStream('/DCIM/100APPLE/BIG.MOV', { chunkSize: 16 * 1024, readAhead: 2 });
    let received = 0;
    const stalled = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Buffer, _encoding, callback) {
        received += chunk.length;
        if (received < 64 * 1024) callback(); // then never calls back: a stuck disk
      },
    });
    stream.pipe(stalled);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const requestsWhileStalled = afc.stats.requests;
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Open + a bounded number of reads, far from the 256 reads the whole file needs.
    expect(afc.stats.requests).toBe(requestsWhileStalled);
    expect(requestsWhileStalled).toBeLessThan(16);
    stream.destroy();
  });

  it('cancels with an AbortSignal: the stream errors with AbortError and the handle is closed', async () => {
    afc = await startTestAfc({}, { latencyMs: 1 }, transport);
    await writeRoll(afc.root, { '/DCIM/100APPLE/BIG.MOV': 2 * 1024 * 1024 });
    const client = await afc.connect({ chunkSize: 16 * 1024 });
    const controller = new AbortController();
    const stream = client.createReadStream('/DCIM/100APPLE/BIG.MOV', { signal: controller.signal });
    let seen = 0;
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        seen += chunk.length;
        if (seen > 100_000) controller.abort();
        callback();
      },
    });
    await expect(pipeline(stream, sink)).rejects.toMatchObject({ name: 'AbortError' });
    await client.stat('/DCIM'); // one more round trip: the FILE_CLOSE was answered before it
    expect(afc.stats.openFiles).toBe(0);
  });

  it('writes, makes folders, renames and removes', async () => {
    afc = await startTestAfc({}, {}, transport);
    const client = await afc.connect();
    await client.mkdir('/Rollkeeper/test/deep');
    const data = Buffer.alloc(2_500_000, 0x5a);
    const handle = await client.open('/Rollkeeper/test/deep/file.bin', 'w');
    await client.write(handle, data);
    expect(await client.tell(handle)).toBe(2_500_000n);
    await client.closeFile(handle);
    expect((await readFile(path.join(afc.root, 'Rollkeeper/test/deep/file.bin'))).equals(data)).toBe(true);
    await client.rename('/Rollkeeper/test/deep/file.bin', '/Rollkeeper/test/moved.bin');
    expect((await client.stat('/Rollkeeper/test/moved.bin')).size).toBe(2_500_000n);
    const removeFull = client.remove('/Rollkeeper/test');
    await expect(removeFull).rejects.toBeInstanceOf(AfcError);
    await expect(removeFull).rejects.toMatchObject({ status: 'UNKNOWN_ERROR' });
    await client.remove('/Rollkeeper/test/moved.bin');
    await client.remove('/Rollkeeper/test/deep');
    expect(await readdir(path.join(afc.root, 'Rollkeeper/test'))).toEqual([]);
  });

  it('seeks from start, current and end', async () => {
    afc = await startTestAfc({}, {}, transport);
    const roll = await writeRoll(afc.root, { '/a.bin': 1000 });
    const client = await afc.connect();
    const handle = await client.open('/a.bin');
    await client.seek(handle, -10n, 'end');
    expect((await client.read(handle, 100)).equals(roll.get('/a.bin')!.subarray(990))).toBe(true);
    await client.seek(handle, 100n, 'set');
    await client.seek(handle, 50n, 'cur');
    expect(await client.tell(handle)).toBe(150n);
    await expect(client.seek(handle, -2000n, 'cur')).rejects.toMatchObject({ code: 'afc.invalid-arg' });
    await client.closeFile(handle);
  });

  it('reports a missing path as a typed not-found error with a hint', async () => {
    afc = await startTestAfc({}, {}, transport);
    const client = await afc.connect();
    const error = await client.stat('/DCIM/100APPLE/GONE.HEIC').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AfcError);
    expect(error).toMatchObject({ code: 'afc.object-not-found', status: 'OBJECT_NOT_FOUND', isNotFound: true });
    expect((error as AfcError).hint).toMatch(/no longer on the iPhone/);
    await expect(client.open('/DCIM/nothing.HEIC')).rejects.toMatchObject({ code: 'afc.object-not-found' });
    await expect(client.readDir('/nothing')).rejects.toMatchObject({ code: 'afc.object-not-found' });
  });

  it('reads device storage facts', async () => {
    afc = await startTestAfc({ model: 'iPhone16,1' }, {}, transport);
    const client = await afc.connect();
    const info = await client.deviceInfo();
    expect(info.model).toBe('iPhone16,1');
    expect(typeof info.totalBytes).toBe('bigint');
    expect(info.totalBytes).toBeGreaterThan(0n);
    expect(info.freeBytes).toBeLessThanOrEqual(info.totalBytes);
  });

  it('stats a symlink as a link with its target', async () => {
    afc = await startTestAfc({}, {}, transport);
    await writeRoll(afc.root, { '/DCIM/a.jpg': 10 });
    await symlink('a.jpg', path.join(afc.root, 'DCIM/link.jpg'));
    const client = await afc.connect();
    expect(await client.stat('/DCIM/link.jpg')).toMatchObject({ type: 'symlink', linkTarget: 'a.jpg' });
  });
});

describe.each(CLIENT_TRANSPORTS)('AfcClient when the phone goes away (%s socket)', (transport) => {
  it('ends every pending call with a typed disconnected error, promptly', async () => {
    afc = await startTestAfc({}, { latencyMs: 50 }, transport);
    await writeRoll(afc.root, { '/DCIM/a.mov': 1_000_000 });
    const client = await afc.connect({ chunkSize: 64 * 1024 });
    const handle = await client.open('/DCIM/a.mov');
    const reads = Array.from({ length: 8 }, () => client.read(handle, 64 * 1024));
    const listing = client.readDir('/DCIM');
    for (const socket of afc.serverSockets) socket.destroy();
    const results = await Promise.allSettled([...reads, listing]);
    for (const result of results) {
      expect(result.status).toBe('rejected');
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(DeviceDisconnectedError);
    }
    expect(client.isClosed).toBe(true);
    await expect(client.stat('/DCIM')).rejects.toMatchObject({ code: 'device.disconnected' });
  });

  it('fails a stream cut by the link (drop after N bytes) with a disconnected error, freeing the phone side', async () => {
    afc = await startTestAfc({}, { dropAfterBytes: 300_000 }, transport);
    await writeRoll(afc.root, { '/DCIM/a.mov': 2_000_000 });
    const client = await afc.connect({ chunkSize: 64 * 1024 });
    let got = 0;
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        got += chunk.length;
        callback();
      },
    });
    await expect(pipeline(client.createReadStream('/DCIM/a.mov'), sink)).rejects.toBeInstanceOf(
      DeviceDisconnectedError,
    );
    expect(got).toBeLessThan(300_000);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(afc.stats.openFiles).toBe(0);
    // The fault fires once (a cable glitch): a new connection works again.
    const again = await afc.connect();
    expect((await again.readFile('/DCIM/a.mov')).length).toBe(2_000_000);
  });
});
