import { mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AfcPool } from '../../../src/main/device/afc/afc-pool';
import { AfcError, AfcInvalidPathError } from '../../../src/main/device/afc/errors';
import { AfcFrameParser, AfcOp, encodeHeader, frameBody, u64s } from '../../../src/main/device/afc/protocol';
import { startTestAfc, writeRoll, type TestAfc } from '../device/afc/afc-test-server';

let afc: TestAfc | undefined;
let outside: string;
beforeEach(async () => {
  outside = await mkdtemp(path.join(tmpdir(), 'rk-outside-'));
  await writeFile(path.join(outside, 'secret'), 'not for the phone');
});
afterEach(async () => {
  await afc?.cleanup();
  afc = undefined;
  await rm(outside, { recursive: true, force: true });
});

/** Sends one raw request and returns the reply's operation and body. */
async function rawRequest(socketPath: string, op: bigint, params: Buffer): Promise<{ op: bigint; body: Buffer }> {
  const socket = net.createConnection(socketPath);
  const parser = new AfcFrameParser();
  try {
    return await new Promise((resolve, reject) => {
      socket.on('data', (chunk: Buffer) => {
        const [frame] = parser.push(chunk);
        if (frame) resolve({ op: frame.operation, body: frameBody(frame) });
      });
      socket.on('error', reject);
      socket.write(Buffer.concat([encodeHeader(0n, op, params.length, 0), params]));
    });
  } finally {
    socket.destroy();
  }
}

describe('AFC server keeps every path inside the media root', () => {
  it('refuses .. above the root, whatever the operation', async () => {
    afc = await startTestAfc();
    const client = await afc.connect();
    const escape = `../${path.basename(outside)}`;
    await expect(client.readDir('/../..')).rejects.toMatchObject({ status: 'PERM_DENIED' });
    await expect(client.open(`${escape}/secret`)).rejects.toMatchObject({ status: 'PERM_DENIED' });
    await expect(client.stat(`/DCIM/../../${path.basename(outside)}/secret`)).rejects.toBeInstanceOf(AfcError);
    await expect(client.mkdir(`/../${path.basename(outside)}/made`)).rejects.toMatchObject({ status: 'PERM_DENIED' });
    await expect(client.remove('/..')).rejects.toBeInstanceOf(AfcError);
    await expect(client.rename('/x', '/../x')).rejects.toBeInstanceOf(AfcError);
    // .. that stays inside is fine.
    await writeRoll(afc.root, { '/DCIM/a.jpg': 5 });
    expect((await client.stat('/DCIM/100APPLE/../a.jpg')).size).toBe(5n);
    await expect(stat(path.join(outside, 'made'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses to follow a symlink that points outside', async () => {
    afc = await startTestAfc();
    await mkdir(path.join(afc.root, 'DCIM'));
    await symlink(outside, path.join(afc.root, 'DCIM/evil'));
    await symlink(path.join(outside, 'secret'), path.join(afc.root, 'DCIM/secret-link'));
    await symlink(path.join(outside, 'created-through-link'), path.join(afc.root, 'DCIM/dangling'));
    const client = await afc.connect();
    await expect(client.readDir('/DCIM/evil')).rejects.toMatchObject({ status: 'PERM_DENIED' });
    await expect(client.open('/DCIM/evil/secret')).rejects.toMatchObject({ status: 'PERM_DENIED' });
    await expect(client.open('/DCIM/secret-link')).rejects.toMatchObject({ status: 'PERM_DENIED' });
    await expect(client.stat('/DCIM/evil/secret')).rejects.toMatchObject({ status: 'PERM_DENIED' });
    await expect(client.open('/DCIM/dangling', 'w')).rejects.toMatchObject({ status: 'PERM_DENIED' });
    await expect(client.open('/DCIM/evil/new', 'w')).rejects.toMatchObject({ status: 'PERM_DENIED' });
    await expect(client.mkdir('/DCIM/evil/sub')).rejects.toMatchObject({ status: 'PERM_DENIED' });
    await expect(client.remove('/DCIM/evil/secret')).rejects.toMatchObject({ status: 'PERM_DENIED' });
    await expect(client.rename('/DCIM/evil/secret', '/DCIM/stolen')).rejects.toMatchObject({ status: 'PERM_DENIED' });
    expect(await readFile(path.join(outside, 'secret'), 'utf8')).toBe('not for the phone');
    await expect(stat(path.join(outside, 'created-through-link'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(stat(path.join(outside, 'sub'))).rejects.toMatchObject({ code: 'ENOENT' });
    // The link itself can be stat-ed (it is inside) and removed; its target stays.
    expect((await client.stat('/DCIM/evil')).type).toBe('symlink');
    await client.remove('/DCIM/secret-link');
    expect(await readFile(path.join(outside, 'secret'), 'utf8')).toBe('not for the phone');
  });

  it('cuts a path at its NUL byte (raw frame), and the client refuses NUL paths', async () => {
    afc = await startTestAfc();
    await writeRoll(afc.root, { '/DCIM/a.jpg': 5 });
    const reply = await rawRequest(
      afc.socketPath,
      AfcOp.READ_DIR,
      Buffer.from(`DCIM\0/../../${path.basename(outside)}\0`),
    );
    expect(reply.op).toBe(AfcOp.DATA);
    expect(reply.body.toString().split('\0')).toContain('a.jpg');
    const client = await afc.connect();
    await expect(client.readDir('DCIM\0/../..')).rejects.toBeInstanceOf(AfcInvalidPathError);
  });

  it('answers an unknown operation and a bad handle with a status, and keeps serving', async () => {
    afc = await startTestAfc();
    const unknown = await rawRequest(afc.socketPath, 0x99n, Buffer.alloc(0));
    expect(unknown).toEqual({ op: AfcOp.STATUS, body: u64s(6n) }); // UNKNOWN_PACKET_TYPE
    const badHandle = await rawRequest(afc.socketPath, AfcOp.FILE_READ, u64s(77n, 10n));
    expect(badHandle).toEqual({ op: AfcOp.STATUS, body: u64s(7n) }); // INVALID_ARG
  });
});

describe('AFC server faults', () => {
  it('answers NO_RESOURCES after K open files, across connections, and recovers when one closes', async () => {
    afc = await startTestAfc({ faults: { maxOpenFiles: 2 } });
    await writeRoll(afc.root, { '/a': 1, '/b': 1, '/c': 1 });
    const one = await afc.connect();
    const two = await afc.connect();
    const a = await one.open('/a');
    await two.open('/b');
    const refused = await one.open('/c').catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'afc.no-resources' });
    expect((refused as AfcError).hint).toMatch(/too many files open/);
    await one.closeFile(a);
    await one.closeFile(await one.open('/c'));
  });

  it('lists and stats a vanishing file, then answers OBJECT_NOT_FOUND when it is opened', async () => {
    afc = await startTestAfc({ faults: { vanishOnOpen: ['/DCIM/100APPLE/IMG_0002.HEIC'] } });
    await writeRoll(afc.root, { '/DCIM/100APPLE/IMG_0001.HEIC': 10, '/DCIM/100APPLE/IMG_0002.HEIC': 10 });
    const client = await afc.connect();
    expect(await client.readDir('/DCIM/100APPLE')).toContain('IMG_0002.HEIC');
    expect((await client.stat('/DCIM/100APPLE/IMG_0002.HEIC')).size).toBe(10n);
    await expect(client.readFile('DCIM/100APPLE/IMG_0002.HEIC')).rejects.toMatchObject({ isNotFound: true });
    expect((await client.readFile('/DCIM/100APPLE/IMG_0001.HEIC')).length).toBe(10);
  });

  it('serves a file that changed size since it was listed', async () => {
    afc = await startTestAfc({ faults: { changeSize: { '/grew.mov': 1000, '/shrank.mov': -400 } } });
    const roll = await writeRoll(afc.root, { '/grew.mov': 5000, '/shrank.mov': 5000 });
    const client = await afc.connect({ chunkSize: 1024 });
    expect((await client.stat('/grew.mov')).size).toBe(5000n);
    const grew = await client.readFile('/grew.mov');
    expect(grew.length).toBe(6000);
    expect(grew.subarray(0, 5000).equals(roll.get('/grew.mov')!)).toBe(true);
    const shrank = await client.readFile('/shrank.mov');
    expect(shrank.equals(roll.get('/shrank.mov')!.subarray(0, 4600))).toBe(true);
  });
});

describe('AfcPool', () => {
  it('spreads callers over up to `size` connections and reads every file byte-identical', async () => {
    afc = await startTestAfc({}, { latencyMs: 1 });
    const files = Object.fromEntries(
      Array.from({ length: 40 }, (_, i) => [`/DCIM/100APPLE/IMG_${String(i).padStart(4, '0')}.JPG`, 20_000 + i]),
    );
    const roll = await writeRoll(afc.root, files);
    const pool = new AfcPool(() => afc!.connect(), { size: 3 });
    const results = await Promise.all([...roll].map(([afcPath]) => pool.use((client) => client.readFile(afcPath))));
    [...roll.values()].forEach((content, i) => expect(results[i]!.equals(content)).toBe(true));
    expect(afc.stats.connections).toBe(3);
    expect(pool.connectionCount).toBe(3);
    await pool.close();
    await expect(pool.use(async () => 1)).rejects.toMatchObject({ code: 'afc.closed' });
  });

  it('replaces a connection that dropped', async () => {
    afc = await startTestAfc();
    await writeRoll(afc.root, { '/a': 10 });
    const pool = new AfcPool(() => afc!.connect(), { size: 1 });
    expect((await pool.use((client) => client.readFile('/a'))).length).toBe(10);
    for (const socket of afc.serverSockets) socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(pool.connectionCount).toBe(0);
    expect((await pool.use((client) => client.readFile('/a'))).length).toBe(10);
    expect(afc.stats.connections).toBe(2);
    await pool.close();
  });
});
