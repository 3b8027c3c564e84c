import fc from 'fast-check';
import { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { AfcClient } from '../../../../src/main/device/afc/afc-client';
import { AFC_HEADER_SIZE, AfcOp, encodeHeader } from '../../../../src/main/device/afc/protocol';
import { DeviceDisconnectedError, DeviceError, ProtocolError } from '../../../../src/main/device/errors';
import type { AfcHostileMode } from '../../../../src/simulator/afc-server';
import { CLIENT_TRANSPORTS, startTestAfc, writeRoll, type TestAfc } from './afc-test-server';

/** Two connected in-memory duplexes: what one writes, the other reads. */
function duplexPair(): [Duplex, Duplex] {
  const sides: Duplex[] = [];
  for (let i = 0; i < 2; i++) {
    sides.push(
      new Duplex({
        read() {},
        write(chunk, _encoding, callback) {
          sides[1 - i]!.push(chunk);
          callback();
        },
        final(callback) {
          sides[1 - i]!.push(null);
          callback();
        },
      }),
    );
  }
  return [sides[0]!, sides[1]!];
}

/** A reply frame to packet 0 whose fields can be broken one by one. */
const brokenReply = fc.record({
  magic: fc.oneof(fc.constant('CFA6LPAA'), fc.string({ minLength: 8, maxLength: 8 })),
  entireDelta: fc.oneof(
    fc.constant(0n),
    fc.bigInt({ min: -100n, max: 100n }),
    fc.bigInt({ min: 1n << 30n, max: (1n << 64n) - 1n }),
  ),
  thisLength: fc.oneof(
    fc.constant(48n),
    fc.bigInt({ min: 0n, max: 200n }),
    fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  ),
  packetNum: fc.oneof(fc.constant(0n), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })),
  operation: fc.oneof(
    fc.constant(AfcOp.STATUS),
    fc.constant(AfcOp.DATA),
    fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  ),
  body: fc.uint8Array({ maxLength: 128 }),
  cut: fc.option(fc.nat(200), { nil: undefined }),
});

describe('AfcClient fed malformed frames', () => {
  it('rejects with a typed device error (never hangs, crashes or allocates the announced size)', async () => {
    await fc.assert(
      fc.asyncProperty(brokenReply, async (reply) => {
        const [clientSide, phoneSide] = duplexPair();
        const client = new AfcClient(clientSide);
        const header = Buffer.alloc(AFC_HEADER_SIZE);
        header.write(reply.magic, 0, 8, 'latin1');
        const entire = BigInt.asUintN(64, reply.thisLength + BigInt(reply.body.length - 8) + reply.entireDelta);
        header.writeBigUInt64LE(entire, 8);
        header.writeBigUInt64LE(BigInt.asUintN(64, reply.thisLength), 16);
        header.writeBigUInt64LE(reply.packetNum, 24);
        header.writeBigUInt64LE(reply.operation, 32);
        let bytes = Buffer.concat([header, reply.body]);
        if (reply.cut !== undefined) bytes = bytes.subarray(0, reply.cut);
        const call = client.remove('/DCIM/x').then(
          () => 'ok' as const,
          (error: unknown) => error,
        );
        phoneSide.write(bytes);
        phoneSide.end(); // then the phone goes away: nothing may stay pending
        const outcome = await call;
        if (outcome !== 'ok') {
          expect(outcome).toBeInstanceOf(DeviceError);
          expect((outcome as DeviceError).code).toMatch(/^(device\.protocol|device\.disconnected|afc\.)/);
        }
        client.close();
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a frame announcing 2^63 bytes immediately, without waiting for the bytes', async () => {
    const [clientSide, phoneSide] = duplexPair();
    const client = new AfcClient(clientSide);
    const call = client.readDir('/DCIM');
    const header = encodeHeader(0n, AfcOp.DATA, 0, 0);
    header.writeBigUInt64LE(1n << 63n, 8);
    phoneSide.write(header); // and the connection stays open
    await expect(call).rejects.toBeInstanceOf(ProtocolError);
    await expect(call).rejects.toThrow(/exceeds/);
    expect(client.isClosed).toBe(true);
  });
});

describe('AfcClient and a phone that stops answering', () => {
  it('fails pending calls with a typed timeout once nothing arrives for idleTimeoutMs', async () => {
    const [clientSide, phoneSide] = duplexPair();
    const client = new AfcClient(clientSide, { idleTimeoutMs: 100 });
    phoneSide.resume(); // reads the requests, never answers
    const calls = [client.readDir('/DCIM'), client.stat('/DCIM/a')];
    for (const result of await Promise.allSettled(calls)) {
      expect(result.status).toBe('rejected');
      expect((result as PromiseRejectedResult).reason).toMatchObject({ code: 'device.timeout' });
    }
    expect(client.isClosed).toBe(true);
  });

  it('keeps a slow but moving transfer alive: the timer restarts with every byte', async () => {
    const [clientSide, phoneSide] = duplexPair();
    const client = new AfcClient(clientSide, { idleTimeoutMs: 150 });
    phoneSide.resume();
    const call = client.readDir('/DCIM');
    const reply = Buffer.concat([encodeHeader(0n, AfcOp.DATA, 0, 6), Buffer.from('a\0b\0c\0')]);
    for (let i = 0; i < reply.length; i += 12) {
      await new Promise((resolve) => setTimeout(resolve, 60)); // 4 × 60 ms > 150 ms in total
      phoneSide.write(reply.subarray(i, i + 12));
    }
    expect(await call).toEqual(['a', 'b', 'c']);
    client.close();
  });
});

describe.each(CLIENT_TRANSPORTS)('AfcClient against the hostile simulator (%s socket)', (transport) => {
  let afc: TestAfc | undefined;
  afterEach(async () => {
    await afc?.cleanup();
    afc = undefined;
  });

  const cases: Array<[AfcHostileMode, RegExp, new (...args: never[]) => DeviceError]> = [
    ['bad-magic', /bad magic/, ProtocolError],
    ['lying-length', /entire_length 20 < this_length 40/, ProtocolError],
    ['huge-length', /exceeds/, ProtocolError],
    ['wrong-packet', /packet number 1000/, ProtocolError],
    ['short-status', /STATUS reply .* 2 bytes/, ProtocolError],
    ['truncated', /closed/, DeviceDisconnectedError],
  ];
  for (const [mode, message, type] of cases) {
    it(`answers ${mode} with ${type.name}`, async () => {
      afc = await startTestAfc({ faults: { hostile: mode } }, {}, transport);
      const client = await afc.connect();
      const error = await client.readDir('/DCIM').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(type);
      expect((error as Error).message).toMatch(message);
      expect((error as DeviceError).hint).not.toBe('');
      await expect(client.stat('/')).rejects.toBeInstanceOf(DeviceError);
    });
  }

  it('refuses a FILE_READ answer longer than asked', async () => {
    afc = await startTestAfc({ faults: { hostile: 'oversized-read' } }, {}, transport);
    await writeRoll(afc.root, { '/a': 10 });
    const client = await afc.connect();
    const handle = await client.open('/a');
    await expect(client.read(handle, 100)).rejects.toThrow(/returned 1048576 bytes for 100 asked/);
  });
});
