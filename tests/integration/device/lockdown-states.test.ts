import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectToService, openTrustedLockdown } from '../../../src/main/device/connect-service';
import {
  DeviceLockedError,
  PairingNeedsUsbError,
  PairingRevokedError,
  ServiceUnavailableError,
  TrustPendingError,
  UserDeniedPairingError,
} from '../../../src/main/device/errors';
import { LockdownClient } from '../../../src/main/device/lockdown/client';
import { generatePairRecord, pairRecordFromPlist } from '../../../src/main/device/lockdown/pair-record';
import { pickDevice } from '../../../src/main/device/usbmux/client';
import { AfcClient } from '../../../src/main/device/afc/afc-client';
import { AFC_HEADER_SIZE, AfcOp, cStrings, encodeHeader, u64s } from '../../../src/main/device/afc/protocol';
import { takeDirectRead } from '../../../src/main/device/usbmux/direct-read-socket';
import type { SimulatedPhone } from '../../../src/simulator/simulated-phone';
import { startSimulator } from './simulator-fixture';

let env: Awaited<ReturnType<typeof startSimulator>>;
beforeAll(async () => {
  env = await startSimulator();
});
afterAll(async () => env?.close());

async function deviceOf(phone: SimulatedPhone) {
  return pickDevice(await env.usbmux.listDevices(), phone.udid);
}

describe('our lockdown client against the simulator', () => {
  it('reads identity before a session, and more inside the TLS session', async () => {
    const phone = env.sim.addPhone({
      cameraRoll: env.roll,
      name: 'Ada',
      productType: 'iPhone15,3',
      iosVersion: '17.4',
    });
    const device = await deviceOf(phone);
    const plain = await LockdownClient.open(env.usbmux, device);
    expect(await plain.queryType()).toBe('com.apple.mobile.lockdown');
    expect(await plain.getString('DeviceName')).toBe('Ada');
    await expect(plain.getValue('SerialNumber')).rejects.toThrow(/MissingValue/);
    plain.close();

    const { lockdown } = await openTrustedLockdown(env.usbmux, device, { pairIfNeeded: false });
    expect(lockdown.inSession).toBe(true);
    expect(await lockdown.getString('SerialNumber')).toBe(phone.serialNumber);
    expect(await lockdown.getString('ProductType')).toBe('iPhone15,3');
    lockdown.close();
    env.sim.removePhone(phone);
  });

  it('connectToService gives a stream AFC works over', async () => {
    const phone = env.sim.addPhone({ cameraRoll: env.roll });
    const afc = new AfcClient(await connectToService(env.usbmux, phone.udid, 'com.apple.afc'));
    expect(await afc.readFile('/DCIM/100APPLE/IMG_0001.JPG')).toEqual(Buffer.from('small photo bytes'));
    afc.close();
    env.sim.removePhone(phone);
  });

  it('connectToService gives AFC a direct-read socket, with no byte lost after the Connect result', async () => {
    const phone = env.sim.addPhone({ cameraRoll: env.roll });
    const stream = await connectToService(env.usbmux, phone.udid, 'com.apple.afc');
    // A minimal AFC reader on the socket's own takeover interface (AfcConnection uses the same).
    let pending = Buffer.alloc(0);
    const frames: Buffer[] = [];
    let wake = (): void => {};
    expect(
      takeDirectRead(stream, {
        nextBuffer: () => undefined,
        onBytes(bytes) {
          pending = Buffer.concat([pending, bytes]);
          while (pending.length >= AFC_HEADER_SIZE && pending.length >= Number(pending.readBigUInt64LE(8))) {
            const length = Number(pending.readBigUInt64LE(8));
            frames.push(pending.subarray(0, length));
            pending = pending.subarray(length);
          }
          wake();
        },
      }),
    ).toBe(true);
    const nextFrame = async (): Promise<Buffer> => {
      while (frames.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      return frames.shift()!;
    };
    const open = Buffer.concat([u64s(1n), cStrings('/DCIM/100APPLE/IMG_0001.JPG')]);
    stream.write(Buffer.concat([encodeHeader(0n, AfcOp.FILE_OPEN, open.length, 0), open]));
    const opened = await nextFrame();
    expect(opened.readBigUInt64LE(32)).toBe(AfcOp.FILE_OPEN_RES);
    stream.write(Buffer.concat([encodeHeader(1n, AfcOp.FILE_READ, 16, 0), u64s(opened.readBigUInt64LE(40), 1024n)]));
    const read = await nextFrame();
    expect(read.readBigUInt64LE(32)).toBe(AfcOp.DATA);
    expect(read.subarray(AFC_HEADER_SIZE)).toEqual(Buffer.from('small photo bytes'));
    stream.destroy();
    env.sim.removePhone(phone);
  });

  it('locked: pairing an untrusted phone says to unlock it', async () => {
    const phone = env.sim.addPhone({ cameraRoll: env.roll, untrusted: true, locked: true });
    const error = await openTrustedLockdown(env.usbmux, await deviceOf(phone), { trustTimeoutMs: 0 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DeviceLockedError);
    expect((error as DeviceLockedError).hint).toMatch(/Unlock your iPhone/);
    env.sim.removePhone(phone);
  });

  it('locked: a trusted phone refuses to start AFC with DeviceLockedError', async () => {
    const phone = env.sim.addPhone({ cameraRoll: env.roll, locked: true });
    const error = await connectToService(env.usbmux, phone.udid, 'com.apple.afc').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeviceLockedError);
    phone.unlock();
    const stream = await connectToService(env.usbmux, phone.udid, 'com.apple.afc');
    stream.destroy();
    const unknown = await connectToService(env.usbmux, phone.udid, 'com.apple.nope').catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(ServiceUnavailableError);
    env.sim.removePhone(phone);
  });

  it('trust pending: says to tap Trust once the dialog is up, and gives up after the timeout', async () => {
    const phone = env.sim.addPhone({ cameraRoll: env.roll, untrusted: true });
    let told = 0;
    const error = await openTrustedLockdown(env.usbmux, await deviceOf(phone), {
      trustTimeoutMs: 300,
      pollMs: 50,
      onTrustPending: () => told++,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrustPendingError);
    expect((error as TrustPendingError).hint).toMatch(/tap "Trust"/);
    expect(told).toBe(1);
    expect(phone.trustDialog).toBe('showing');
    env.sim.removePhone(phone);
  });

  it('trust accepted while polling: pairs, stores the record with usbmuxd, and usbmuxd says Paired', async () => {
    const phone = env.sim.addPhone({ cameraRoll: env.roll, untrusted: true });
    const device = await deviceOf(phone);
    const listener = await env.usbmux.listen();
    const paired = new Promise<number>((resolve) => listener.on('paired', resolve));
    const opening = openTrustedLockdown(env.usbmux, device, {
      pollMs: 50,
      onTrustPending: () => setTimeout(() => phone.tapTrust(), 100),
    });
    const { lockdown, record } = await opening;
    expect(await paired).toBe(device.deviceId);
    listener.close();
    expect(lockdown.inSession).toBe(true);
    expect(record.EscrowBag?.length).toBeGreaterThan(0);
    const stored = await env.usbmux.readPairRecord(phone.udid);
    expect(pairRecordFromPlist(stored!).HostID).toBe(record.HostID);
    expect(stored!.HostPrivateKey).toBeDefined();
    expect(await env.usbmux.readBuid()).toBe(record.SystemBUID);
    lockdown.close();
    env.sim.removePhone(phone);
  });

  it("denied: says the user tapped Don't Trust", async () => {
    const phone = env.sim.addPhone({ cameraRoll: env.roll, untrusted: true });
    const device = await deviceOf(phone);
    const error = await openTrustedLockdown(env.usbmux, device, {
      pollMs: 50,
      onTrustPending: () => setTimeout(() => phone.tapDontTrust(), 50),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserDeniedPairingError);
    expect((error as UserDeniedPairingError).code).toBe('device.trust-denied');
    expect(await env.usbmux.readPairRecord(phone.udid)).toBeUndefined();
    env.sim.removePhone(phone);
  });

  it('revoked: the phone forgot this computer; without re-pairing that is the error, with it we pair again', async () => {
    const phone = env.sim.addPhone({ cameraRoll: env.roll });
    const device = await deviceOf(phone);
    const before = pairRecordFromPlist((await env.usbmux.readPairRecord(phone.udid))!);
    phone.forgetHosts();
    const error = await openTrustedLockdown(env.usbmux, device, { pairIfNeeded: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PairingRevokedError);
    expect((error as PairingRevokedError).message).toBe('The iPhone forgot this computer.');

    let revoked = 0;
    const { lockdown, record } = await openTrustedLockdown(env.usbmux, device, {
      pollMs: 50,
      onRevoked: () => revoked++,
      onTrustPending: () => phone.tapTrust(),
    });
    expect(revoked).toBe(1);
    expect(record.HostID).not.toBe(before.HostID);
    expect(pairRecordFromPlist((await env.usbmux.readPairRecord(phone.udid))!).HostID).toBe(record.HostID);
    lockdown.close();
    env.sim.removePhone(phone);
  });

  it("a TLS client certificate that is not the record's is cut off by the phone", async () => {
    const phone = env.sim.addPhone({ cameraRoll: env.roll });
    const device = await deviceOf(phone);
    const record = pairRecordFromPlist((await env.usbmux.readPairRecord(phone.udid))!);
    const impostor = await generatePairRecord(Buffer.from(phone.key.publicPem), record.SystemBUID);
    const lockdown = await LockdownClient.open(env.usbmux, device);
    // The right HostID with someone else's certificate and key.
    await lockdown
      .startSession({ ...record, HostCertificate: impostor.HostCertificate, HostPrivateKey: impostor.HostPrivateKey })
      .catch(() => {});
    await expect(lockdown.getValue('SerialNumber')).rejects.toThrow(/disconnected|forgot/);
    lockdown.close();
    // The genuine record still works.
    const { lockdown: good } = await openTrustedLockdown(env.usbmux, device, { pairIfNeeded: false });
    expect(await good.getString('SerialNumber')).toBe(phone.serialNumber);
    good.close();
    env.sim.removePhone(phone);
  });

  it('pairing over Wi-Fi is refused, as on a real phone', async () => {
    const phone = env.sim.addPhone({ cameraRoll: env.roll, untrusted: true, wifi: true });
    const all = await env.usbmux.listDevices();
    const network = all.find((d) => d.udid === phone.udid && d.connectionType === 'Network')!;
    expect(all.filter((d) => d.udid === phone.udid)).toHaveLength(2);
    const lockdown = await LockdownClient.open(env.usbmux, network);
    await expect(lockdown.pair({ trustTimeoutMs: 0 })).rejects.toThrow(PairingNeedsUsbError);
    lockdown.close();
    env.sim.removePhone(phone);
  });
});
