import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { duplexPair } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeLockdownFrame, LockdownFrameDecoder } from '../../../src/main/device/lockdown/protocol';
import type { PlistDict } from '../../../src/main/device/plist';
import { serveLockdown } from '../../../src/simulator/lockdownd';
import { SimulatedPhone } from '../../../src/simulator/simulated-phone';
import { StateStore } from '../../../src/simulator/state-store';
import { makeHostRecord } from '../../../src/simulator/device-identity';

let dir: string;
let store: StateStore;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'rollkeeper-lockdownd-'));
  store = new StateStore(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A lockdownd conversation over an in-memory pipe. */
function talk(phone: SimulatedPhone, connectionType: 'USB' | 'Network' = 'USB') {
  const [client, server] = duplexPair();
  serveLockdown(server, phone, { connectionType, allocatePort: () => 50_000 });
  const decoder = new LockdownFrameDecoder();
  const inbox: PlistDict[] = [];
  const waiters: ((m: PlistDict) => void)[] = [];
  client.on('data', (chunk: Buffer) => {
    for (const m of decoder.push(chunk)) {
      const w = waiters.shift();
      if (w) w(m);
      else inbox.push(m);
    }
  });
  return {
    ask(request: PlistDict): Promise<PlistDict> {
      client.write(encodeLockdownFrame(request));
      const queued = inbox.shift();
      return queued ? Promise.resolve(queued) : new Promise((resolve) => waiters.push(resolve));
    },
    close: () => client.destroy(),
  };
}

function pairRequest(phone: SimulatedPhone): PlistDict {
  const record = makeHostRecord(phone.key, 'BUID', '00:11:22:33:44:55');
  return {
    Request: 'Pair',
    PairRecord: {
      HostID: record.HostID,
      HostCertificate: record.HostCertificate,
      RootCertificate: record.RootCertificate,
      DeviceCertificate: record.DeviceCertificate,
      SystemBUID: 'BUID',
    },
  };
}

describe('simulated lockdownd', () => {
  it('answers QueryType and only identity values before a session', async () => {
    const phone = new SimulatedPhone({ cameraRoll: dir, name: 'Unit', untrusted: true }, store);
    const c = talk(phone);
    expect(await c.ask({ Request: 'QueryType' })).toEqual({ Request: 'QueryType', Type: 'com.apple.mobile.lockdown' });
    expect(await c.ask({ Request: 'GetValue', Key: 'DeviceName' })).toMatchObject({ Value: 'Unit' });
    expect(await c.ask({ Request: 'GetValue', Key: 'SerialNumber' })).toMatchObject({ Error: 'MissingValue' });
    const all = await c.ask({ Request: 'GetValue' });
    expect(Object.keys(all.Value as PlistDict)).toEqual(
      expect.arrayContaining(['DeviceName', 'ProductType', 'ProductVersion', 'UniqueDeviceID', 'DevicePublicKey']),
    );
    expect(await c.ask({ Request: 'StartService', Service: 'com.apple.afc' })).toMatchObject({
      Error: 'SessionInactive',
    });
    c.close();
  });

  it('walks the Trust dialog: pending until the tap, then pairs; a known host pairs again at once', async () => {
    const phone = new SimulatedPhone({ cameraRoll: dir, untrusted: true }, store);
    const c = talk(phone);
    const request = pairRequest(phone);
    expect(await c.ask(request)).toMatchObject({ Error: 'PairingDialogResponsePending' });
    expect(phone.trustDialog).toBe('showing');
    expect(await c.ask(request)).toMatchObject({ Error: 'PairingDialogResponsePending' });
    phone.tapTrust();
    const accepted = await c.ask(request);
    expect(accepted.Error).toBeUndefined();
    expect(Buffer.isBuffer(accepted.EscrowBag)).toBe(true);
    expect(phone.trustedHost((request.PairRecord as PlistDict).HostID)).toBeDefined();
    expect(await c.ask(request)).toMatchObject({ Request: 'Pair', EscrowBag: accepted.EscrowBag });
    expect(await c.ask({ Request: 'ValidatePair', PairRecord: request.PairRecord })).toEqual({
      Request: 'ValidatePair',
    });
    c.close();
  });

  it('refuses to pair when locked, denied, over Wi-Fi, or with a certificate for another key', async () => {
    const phone = new SimulatedPhone({ cameraRoll: dir, untrusted: true, locked: true }, store);
    const request = pairRequest(phone);
    const usb = talk(phone);
    expect(await usb.ask(request)).toMatchObject({ Error: 'PasswordProtected' });
    phone.unlock();
    phone.tapDontTrust();
    expect(await usb.ask(request)).toMatchObject({ Error: 'UserDeniedPairing' });
    const wifi = talk(phone, 'Network');
    expect(await wifi.ask(request)).toMatchObject({ Error: 'PairingProhibitedOverThisConnection' });
    const other = new SimulatedPhone({ cameraRoll: dir, untrusted: true }, store);
    expect(await usb.ask(pairRequest(other))).toMatchObject({ Error: 'InvalidPairRecord' });
    expect(await usb.ask({ Request: 'Pair', PairRecord: 'nope' })).toMatchObject({ Error: 'InvalidPairRecord' });
    usb.close();
    wifi.close();
  });

  it('refuses a session to an unknown host, and closes a connection that sends garbage', async () => {
    const phone = new SimulatedPhone({ cameraRoll: dir, untrusted: true }, store);
    const c = talk(phone);
    expect(await c.ask({ Request: 'StartSession', HostID: 'NOT-A-HOST', SystemBUID: 'B' })).toMatchObject({
      Error: 'InvalidHostID',
    });

    const [client, server] = duplexPair();
    serveLockdown(server, phone, { connectionType: 'USB', allocatePort: () => 1 });
    // The in-memory pair does not carry a close across: watch the simulator's end.
    const closed = new Promise((resolve) => server.on('close', resolve));
    client.on('data', () => {});
    const head = Buffer.alloc(4);
    head.writeUInt32BE(0xffff_ffff, 0);
    client.write(head);
    await closed;
    c.close();
  });
});
