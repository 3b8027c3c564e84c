/**
 * AFC through the whole simulator (usbmuxd → lockdown TLS session → StartService → AFC), with
 * libimobiledevice's own client as an independent judge. Needs Debian python3-imobiledevice.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AfcClient } from '../../../src/main/device/afc/afc-client';
import { AfcPool } from '../../../src/main/device/afc/afc-pool';
import type { DeviceSession } from '../../../src/main/device/device-session';
import { DeviceDisconnectedError } from '../../../src/main/device/errors';
import type { PhoneSimulator } from '../../../src/simulator/phone-simulator';
import type { SimulatedPhone } from '../../../src/simulator/simulated-phone';
import { startRollPhone, walkDisk } from './roll-phone';

const PEER = path.resolve('bench/lib/libimobiledevice-afc.py');
let rig: Awaited<ReturnType<typeof startRollPhone>>;
let media: string;
let sim: PhoneSimulator;
let phone: SimulatedPhone;
let session: DeviceSession;

beforeAll(async () => {
  rig = await startRollPhone({ seed: 'afc', photos: 12, videos: 2, live: 2, size: 'tiny' });
  ({ media, sim, phone, session } = rig);
});

afterAll(async () => rig?.close());

async function peer(...args: string[]): Promise<unknown> {
  const { stdout } = await promisify(execFile)('/usr/bin/python3', [PEER, ...args], {
    env: { ...process.env, USBMUXD_SOCKET_ADDRESS: sim.address },
  });
  return JSON.parse(stdout);
}

/** Every regular file, as our client sees the phone. */
async function walkPhone(client: AfcClient, at = ''): Promise<string[]> {
  const out: string[] = [];
  for (const name of await client.readDir(at || '/')) {
    const child = `${at}/${name}`;
    const info = await client.stat(child);
    if (info.type === 'directory') out.push(...(await walkPhone(client, child)));
    else if (info.type === 'file') out.push(child);
  }
  return out;
}

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

describe('AFC through the full simulator', () => {
  it("libimobiledevice's AFC client lists DCIM and reads files byte-identical to the source", async () => {
    expect(((await peer('list', '/DCIM')) as string[]).sort()).toEqual(
      (await readdir(path.join(media, 'DCIM'))).sort(),
    );
    const files = (await walkDisk(media)).filter((p) => p.startsWith('/DCIM/')).slice(0, 6);
    const got = (await peer('sha256', ...files)) as Record<string, { size: number; sha256: string }>;
    for (const file of files) {
      const source = await readFile(path.join(media, file));
      expect(got[file]).toEqual({ size: source.length, sha256: sha256(source) });
    }
  });

  it('our client lists and reads every file of the roll byte-identical, over a pool of connections', async () => {
    const pool = new AfcPool(() => session.openAfc({ chunkSize: 256 * 1024 }), { size: 3 });
    try {
      const onPhone = (await pool.use((client) => walkPhone(client))).sort();
      expect(onPhone).toEqual((await walkDisk(media)).sort());
      expect(onPhone.length).toBeGreaterThan(20);
      await Promise.all(
        onPhone.map((file) =>
          pool.use(async (client) => {
            const bytes = await client.readFile(file);
            expect(sha256(bytes), file).toBe(sha256(await readFile(path.join(media, file))));
          }),
        ),
      );
      expect(phone.afc.stats!.maxOutstanding).toBeGreaterThan(1);
    } finally {
      await pool.close();
    }
  });

  it('ends every pending call with a disconnected error when the phone is unplugged', async () => {
    const client = await session.openAfc({ chunkSize: 4096 });
    const [first] = (await walkDisk(media)).filter((p) => p.startsWith('/DCIM/'));
    const handle = await client.open(first!);
    const pending = [...Array.from({ length: 6 }, () => client.read(handle, 4096)), client.readDir('/DCIM')];
    phone.plug!.detach(phone);
    // Unplugged in the same tick the requests were made: none can have been answered.
    for (const result of await Promise.allSettled(pending)) {
      expect(result.status).toBe('rejected');
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(DeviceDisconnectedError);
    }
    await expect(client.stat('/DCIM')).rejects.toBeInstanceOf(DeviceDisconnectedError);
    phone.plug!.attach(phone);
  });
});
