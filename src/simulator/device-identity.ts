import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import forge from 'node-forge';

/**
 * Keys and certificates the simulated phone needs. The phone owns one RSA key (its
 * DevicePublicKey); the host makes the certificates in Pair. For a phone that starts out
 * trusted, the simulator plays the host that paired it earlier and makes a record itself
 * (its own small generator, independent of the client's, so each checks the other).
 */
export interface DeviceKey {
  /** PKCS#1 PEM: what TLS uses as the server key. */
  privatePem: string;
  /** PKCS#1 PEM ("RSA PUBLIC KEY"), as lockdownd sends DevicePublicKey. */
  publicPem: string;
}

export function newDeviceKey(): DeviceKey {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return keyFromPrivatePem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString());
}

export function keyFromPrivatePem(privatePem: string): DeviceKey {
  const publicPem = createPublicKey(createPrivateKey(privatePem)).export({ type: 'pkcs1', format: 'pem' }).toString();
  return { privatePem, publicPem };
}

/** A complete pair record as a host would store it (private keys included). */
export interface HostRecord {
  HostID: string;
  SystemBUID: string;
  HostCertificate: Buffer;
  HostPrivateKey: Buffer;
  RootCertificate: Buffer;
  RootPrivateKey: Buffer;
  DeviceCertificate: Buffer;
  EscrowBag: Buffer;
  WiFiMACAddress: string;
}

/** Plays the host that paired this phone before: a record usbmuxd can hand to clients. */
export function makeHostRecord(device: DeviceKey, systemBuid: string, wifiAddress: string): HostRecord {
  const root = nativeKey();
  const host = nativeKey();
  const rootCert = certificate(root.publicKey, root.privateKey, true);
  const hostCert = certificate(host.publicKey, root.privateKey, false);
  const deviceCert = certificate(forge.pki.publicKeyFromPem(spki(device.publicPem)), root.privateKey, false);
  const pem = (s: string) => Buffer.from(s);
  return {
    HostID: randomUUID().toUpperCase(),
    SystemBUID: systemBuid,
    HostCertificate: pem(forge.pki.certificateToPem(hostCert)),
    HostPrivateKey: pem(host.privatePem),
    RootCertificate: pem(forge.pki.certificateToPem(rootCert)),
    RootPrivateKey: pem(root.privatePem),
    DeviceCertificate: pem(forge.pki.certificateToPem(deviceCert)),
    EscrowBag: randomBytes(32),
    WiFiMACAddress: wifiAddress,
  };
}

function spki(pem: string): string {
  return createPublicKey(pem).export({ type: 'spki', format: 'pem' }).toString();
}

function nativeKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privatePem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(privatePem) as forge.pki.rsa.PrivateKey;
  return { privatePem, privateKey: forgeKey, publicKey: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e) };
}

function certificate(
  publicKey: forge.pki.rsa.PublicKey,
  signer: forge.pki.rsa.PrivateKey,
  ca: boolean,
): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date(Date.now() - 86_400_000);
  cert.validity.notAfter = new Date(Date.now() + 10 * 365 * 86_400_000);
  cert.setSubject([]);
  cert.setIssuer([]);
  cert.setExtensions([{ name: 'basicConstraints', cA: ca, critical: true }]);
  cert.sign(signer, forge.md.sha256.create());
  return cert;
}

/** The DER bytes of a PEM certificate, to compare what a TLS client presented with a record. */
export function pemToDer(pem: Buffer | string): Buffer | undefined {
  const text = pem.toString();
  const match = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(text);
  return match ? Buffer.from(match[1]!.replace(/\s+/g, ''), 'base64') : undefined;
}
