import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DeviceDisconnectedError,
  DeviceTimeoutError,
  ProtocolError,
  UsbmuxUnavailableError,
} from '../../../src/main/device/errors';
import { LockdownClient } from '../../../src/main/device/lockdown/client';
import { encodePlist } from '../../../src/main/device/plist';
import { UsbmuxClient, pickDevice } from '../../../src/main/device/usbmux/client';
import type { LockdownHostileMode } from '../../../src/simulator/simulated-phone';
import type { UsbmuxHostileMode } from '../../../src/simulator/usbmuxd-connection';
import { startSimulator } from './simulator-fixture';

let env: Awaited<ReturnType<typeof startSimulator>>;
beforeAll(async () => {
  env = await startSimulator();
});
afterAll(async () => env?.close());

describe('malformed usbmuxd answers', () => {
  const modes: UsbmuxHostileMode[] = [
    'bad-version',
    'bad-message-type',
    'short-length',
    'huge-length',
    'invalid-plist',
    'not-a-dict',
  ];
  it.each(modes)('%s: a typed ProtocolError, and the client still works afterwards', async (mode) => {
    env.sim.hostile = mode;
    try {
      const error = await env.usbmux.listDevices().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProtocolError);
    } finally {
      env.sim.hostile = undefined;
    }
    expect(await env.usbmux.listDevices()).toBeInstanceOf(Array);
  });

  it('truncated: the frame never completes: a typed timeout, not a hang', async () => {
    env.sim.hostile = 'truncated';
    try {
      const client = new UsbmuxClient({ address: env.sim.address, timeoutMs: 500 });
      // The simulator keeps the socket open: the request times out with a typed error.
      await expect(client.readBuid()).rejects.toBeInstanceOf(DeviceTimeoutError);
    } finally {
      env.sim.hostile = undefined;
    }
  });

  it('no usbmuxd at the address: says which service to start', async () => {
    const client = new UsbmuxClient({ address: 'UNIX:/nonexistent/usbmuxd' });
    const error = await client.listDevices().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsbmuxUnavailableError);
    expect((error as UsbmuxUnavailableError).hint).toMatch(/usbmuxd \(Linux\) running/);
  });
});

describe('malformed lockdownd answers', () => {
  const modes: LockdownHostileMode[] = ['huge-length', 'zero-length', 'invalid-plist', 'not-a-dict', 'truncated'];
  it.each(modes)('%s: a typed error for the pending call, no crash', async (mode) => {
    const phone = env.sim.addPhone({ cameraRoll: env.roll, udid: '00008120-0000000000BAD000' });
    phone.hostileLockdown = mode;
    const lockdown = await LockdownClient.open(env.usbmux, pickDevice(await env.usbmux.listDevices(), phone.udid));
    const error = await lockdown.queryType().catch((e: unknown) => e);
    if (mode === 'truncated') expect(error).toBeInstanceOf(DeviceDisconnectedError);
    else expect(error).toBeInstanceOf(ProtocolError);
    // Later calls on the broken connection fail at once with the same typed error.
    await expect(lockdown.queryType()).rejects.toBe(error);
    lockdown.close();
    env.sim.removePhone(phone);
  });
});

describe('the simulator survives hostile clients', () => {
  it('closes a connection that sends garbage, and keeps serving others', async () => {
    const [, path] = env.sim.address.split('UNIX:');
    const garbage = [
      Buffer.from('GET / HTTP/1.1\r\n\r\n'),
      (() => {
        const head = Buffer.alloc(16);
        head.writeUInt32LE(0xffff_ffff, 0);
        return head;
      })(),
      (() => {
        const body = encodePlist({ MessageType: 'Connect', DeviceID: 'x', PortNumber: -1 });
        const head = Buffer.alloc(16);
        head.writeUInt32LE(16 + body.length, 0);
        head.writeUInt32LE(1, 4);
        head.writeUInt32LE(8, 8);
        return Buffer.concat([head, body]);
      })(),
    ];
    for (const bytes of garbage) {
      await new Promise<void>((resolve) => {
        const socket = net.connect(path!, () => socket.end(bytes));
        socket.on('data', () => {});
        socket.on('close', () => resolve());
        socket.on('error', () => resolve());
      });
    }
    expect(await env.usbmux.readBuid()).toBe(env.sim.systemBuid);
  });
});
