import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceWatcher } from '../../../src/main/device/device-watcher';
import { DeviceDisconnectedError, UsbmuxUnavailableError } from '../../../src/main/device/errors';
import { LockdownClient } from '../../../src/main/device/lockdown/client';
import { pickDevice, UsbmuxClient } from '../../../src/main/device/usbmux/client';
import { PhoneSimulator } from '../../../src/simulator/phone-simulator';
import { eventually, startSimulator } from './simulator-fixture';

const BIG = 48 * 1024 * 1024;
let env: Awaited<ReturnType<typeof startSimulator>>;
beforeAll(async () => {
  env = await startSimulator({ bigFileBytes: BIG });
});
afterAll(async () => env?.close());

/** Settles with what `promise` did, or 'still pending' if it has not settled within `ms`. */
function settledWithin<T>(promise: Promise<T>, ms: number): Promise<{ error?: unknown; value?: T } | 'still pending'> {
  return Promise.race([
    promise.then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    ),
    new Promise<'still pending'>((resolve) => setTimeout(() => resolve('still pending'), ms)),
  ]);
}

describe('hot-plug: usbmuxd Listen and device sessions', () => {
  it('a session follows attach, Trust, lock and detach of each of two phones', async () => {
    const watcher = new DeviceWatcher({ usbmux: env.usbmux, retryMs: 50, pollMs: 50 });
    const log: string[] = [];
    watcher.on('attached', (s) => log.push(`attached ${s.udid}`));
    watcher.on('detached', (s) => log.push(`detached ${s.udid}`));
    await watcher.start();
    try {
      const a = env.sim.addPhone({ cameraRoll: env.roll, name: 'Phone A', iosVersion: '17.2' });
      const b = env.sim.addPhone({ cameraRoll: env.roll, name: 'Phone B', untrusted: true });
      const sessionA = await watcher.waitFor((s) => s.udid === a.udid && s.state === 'ready');
      expect(sessionA.info).toMatchObject({
        name: 'Phone A',
        model: 'iPhone 14 Pro',
        iosVersion: '17.2',
        connection: 'usb',
        message: '',
      });
      expect(sessionA.info.storage!.totalBytes).toBeGreaterThan(0);

      const sessionB = await watcher.waitFor(
        (s) => s.udid === b.udid && s.state === 'trust-pending' && /Trust/.test(s.info.message),
      );
      expect(sessionB.info.message).toMatch(/tap "Trust"/);
      b.tapTrust();
      await watcher.waitFor((s) => s.udid === b.udid && s.state === 'ready');

      b.lock();
      b.detach();
      await watcher.waitFor((s) => s.udid === b.udid && s.state === 'disconnected');
      expect(sessionB.signal.reason).toBeInstanceOf(DeviceDisconnectedError);
      b.attach();
      const relocked = await watcher.waitFor((s) => s.udid === b.udid && s.state === 'locked');
      expect(relocked.info.message).toMatch(/Unlock your iPhone/);
      b.unlock();
      await watcher.waitFor((s) => s.udid === b.udid && s.state === 'ready');
      expect(watcher.sessions().map((s) => s.state)).toEqual(['ready', 'ready']);
      expect(log).toEqual([`attached ${a.udid}`, `attached ${b.udid}`, `detached ${b.udid}`, `attached ${b.udid}`]);
      env.sim.removePhone(a);
      env.sim.removePhone(b);
    } finally {
      watcher.stop();
    }
  });

  it('a phone on USB and Wi-Fi is one session that prefers USB and survives losing Wi-Fi', async () => {
    const watcher = new DeviceWatcher({ usbmux: env.usbmux, retryMs: 50 });
    await watcher.start();
    try {
      const phone = env.sim.addPhone({ cameraRoll: env.roll, wifi: true });
      const session = await watcher.waitFor((s) => s.udid === phone.udid && s.state === 'ready');
      expect(watcher.sessions()).toHaveLength(1);
      expect(session.info.connection).toBe('usb');
      expect(session.device?.connectionType).toBe('USB');
      session.removeAttachment(phone.deviceIds.network!);
      expect(session.connected).toBe(true);
      env.sim.removePhone(phone);
      await eventually(() => session.state === 'disconnected');
    } finally {
      watcher.stop();
    }
  });

  it('a cable pulled mid-read ends the pending AFC read with "disconnected" within a second', async () => {
    const phone = env.sim.addPhone({ cameraRoll: env.roll, link: 'usb2' });
    const watcher = new DeviceWatcher({ usbmux: env.usbmux });
    await watcher.start();
    try {
      const session = await watcher.waitFor((s) => s.udid === phone.udid && s.state === 'ready');
      const afc = await session.openAfc({ chunkSize: BIG });
      const reading = afc.readFile('/DCIM/100APPLE/IMG_0002.MOV');
      // Wait until the bytes are really flowing over the (35 MB/s) simulated cable.
      const sentBefore = phone.link.bytesSent;
      await eventually(() => phone.link.bytesSent - sentBefore > 2 * 1024 * 1024);
      phone.detach();
      const outcome = await settledWithin(reading, 1000);
      expect(outcome).not.toBe('still pending');
      expect((outcome as { error: unknown }).error).toBeInstanceOf(DeviceDisconnectedError);
      await watcher.waitFor((s) => s.udid === phone.udid && s.state === 'disconnected');
      env.sim.removePhone(phone);
    } finally {
      watcher.stop();
    }
  });

  it('a cable pulled while lockdown waits for the Trust tap ends the wait with "disconnected" within a second', async () => {
    const phone = env.sim.addPhone({ cameraRoll: env.roll, untrusted: true });
    const device = pickDevice(await env.usbmux.listDevices(), phone.udid);
    const lockdown = await LockdownClient.open(env.usbmux, device);
    let pending!: () => void;
    const dialogUp = new Promise<void>((resolve) => (pending = resolve));
    const pairing = lockdown.pair({ trustTimeoutMs: 60_000, pollMs: 5000, onTrustPending: () => pending() });
    await dialogUp;
    phone.detach();
    const outcome = await settledWithin(pairing, 1000);
    expect(outcome).not.toBe('still pending');
    expect((outcome as { error: unknown }).error).toBeInstanceOf(DeviceDisconnectedError);
    env.sim.removePhone(phone);
  });

  it('usbmuxd going away disconnects every session; when it comes back the phones do too', async () => {
    const local = await startSimulator();
    const socketPath = local.sim.address.slice('UNIX:'.length);
    const watcher = new DeviceWatcher({ usbmux: local.usbmux, reconnectMs: 50 });
    const errors: Error[] = [];
    watcher.on('error', (e) => errors.push(e));
    await watcher.start();
    const phone = local.sim.addPhone({ cameraRoll: local.roll, udid: '00008120-00000000000BACC0' });
    const session = await watcher.waitFor((s) => s.state === 'ready');
    await local.sim.close();
    await eventually(() => session.state === 'disconnected');
    await eventually(() => errors.length >= 1);
    expect(errors[0]).toBeInstanceOf(UsbmuxUnavailableError);

    // usbmuxd starts again (as udev does on the next plug-in), with the same state folder.
    const again = await PhoneSimulator.start({ socketPath, stateDir: local.sim.store.dir });
    again.addPhone({ cameraRoll: local.roll, udid: phone.udid });
    const back = await watcher.waitFor((s) => s.udid === phone.udid && s.state === 'ready');
    expect(back).toBe(session);
    watcher.stop();
    await again.close();
    await local.close();
  });

  it('start() without usbmuxd reports it and keeps trying instead of throwing', async () => {
    const watcher = new DeviceWatcher({
      usbmux: new UsbmuxClient({ address: 'UNIX:/nonexistent/usbmuxd' }),
      reconnectMs: 20,
    });
    const errors: Error[] = [];
    watcher.on('error', (e) => errors.push(e));
    await watcher.start();
    expect(errors[0]).toBeInstanceOf(UsbmuxUnavailableError);
    await eventually(() => errors.length === 1 && watcher.sessions().length === 0);
    watcher.stop();
  });
});
