import { createPublicKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../../../src/main/device/errors';
import {
  generatePairRecord,
  pairRecordForPhone,
  pairRecordFromPlist,
  pairRecordToPlist,
} from '../../../../src/main/device/lockdown/pair-record';
import { decodePlistDict, encodePlist } from '../../../../src/main/device/plist';

const phoneKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
const devicePublicKey = Buffer.from(phoneKey.publicKey.export({ type: 'pkcs1', format: 'pem' }));

describe('pair records', () => {
  it('makes a root CA, and host and device certificates that the root signed', async () => {
    const record = await generatePairRecord(devicePublicKey, 'BUID-1');
    const root = new X509Certificate(record.RootCertificate);
    const host = new X509Certificate(record.HostCertificate);
    const device = new X509Certificate(record.DeviceCertificate);
    expect(root.ca).toBe(true);
    expect(root.verify(root.publicKey)).toBe(true);
    expect(host.verify(root.publicKey)).toBe(true);
    expect(device.verify(root.publicKey)).toBe(true);
    expect(host.ca).toBe(false);
    // The device certificate carries the phone's own key, so the phone can serve TLS with it.
    expect(device.publicKey.export({ type: 'spki', format: 'der' })).toEqual(
      createPublicKey(devicePublicKey).export({ type: 'spki', format: 'der' }),
    );
    // The host key matches the host certificate (TLS client auth needs the pair).
    expect(
      host.checkPrivateKey(await import('node:crypto').then((c) => c.createPrivateKey(record.HostPrivateKey))),
    ).toBe(true);
    expect(record.HostID).toMatch(/^[0-9A-F-]{36}$/);
    expect(record.SystemBUID).toBe('BUID-1');
  });

  it('never sends private keys to the phone', async () => {
    const record = await generatePairRecord(devicePublicKey, 'BUID-2');
    const sent = encodePlist(pairRecordForPhone(record)).toString();
    expect(sent).not.toContain('PrivateKey');
    expect(sent).not.toContain(Buffer.from(record.HostPrivateKey).toString('base64').slice(0, 40));
  });

  it('survives a round trip through a stored plist and checks what it reads back', async () => {
    const record = await generatePairRecord(devicePublicKey, 'BUID-3');
    const back = pairRecordFromPlist(decodePlistDict(encodePlist(pairRecordToPlist(record))));
    expect(back).toEqual({ ...record, WiFiMACAddress: undefined, EscrowBag: undefined });
    expect(() => pairRecordFromPlist({ HostID: 'X' })).toThrow(ProtocolError);
  });

  it('refuses a DevicePublicKey that is not an RSA key', async () => {
    await expect(
      generatePairRecord(Buffer.from('-----BEGIN RSA PUBLIC KEY-----\nAAAA\n-----END RSA PUBLIC KEY-----\n'), 'B'),
    ).rejects.toThrow(ProtocolError);
  });
});
