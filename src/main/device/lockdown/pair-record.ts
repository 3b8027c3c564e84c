import { createPublicKey, generateKeyPair, randomBytes, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import forge from 'node-forge';
import { ProtocolError } from '../errors';
import { isPlistDict, type PlistDict } from '../plist';

const generateRsa = promisify(generateKeyPair);

/**
 * A pair record: what host and phone exchange in Pair and what usbmuxd stores afterwards.
 * Certificates and keys are PEM text (stored as <data>, as libimobiledevice and usbmuxd do).
 * It holds private keys and the escrow bag: never log it, never write it anywhere but usbmuxd.
 */
export interface PairRecord {
  HostID: string;
  SystemBUID: string;
  HostCertificate: Buffer;
  HostPrivateKey: Buffer;
  RootCertificate: Buffer;
  RootPrivateKey: Buffer;
  DeviceCertificate: Buffer;
  WiFiMACAddress?: string;
  EscrowBag?: Buffer;
}

/** Ten years, as libimobiledevice and pymobiledevice3 issue them. */
const VALIDITY_YEARS = 10;

/**
 * Makes a fresh pair record for a phone: RSA-2048 root and host keys (generated natively, so
 * it takes milliseconds, not seconds), a self-signed root CA, a host certificate and the
 * device certificate over the phone's DevicePublicKey, all signed by the root with SHA-256.
 */
export async function generatePairRecord(devicePublicKeyPem: Buffer | string, systemBuid: string): Promise<PairRecord> {
  let devicePublicKey: forge.pki.rsa.PublicKey;
  try {
    // The phone sends PKCS#1 ("RSA PUBLIC KEY"); normalise through Node so SPKI works too.
    const spki = createPublicKey(devicePublicKeyPem).export({ type: 'spki', format: 'pem' }).toString();
    devicePublicKey = forge.pki.publicKeyFromPem(spki);
  } catch (error) {
    throw new ProtocolError('The iPhone sent a DevicePublicKey that is not an RSA public key.', { cause: error });
  }
  const [root, host] = await Promise.all([newRsaKey(), newRsaKey()]);
  const rootCert = makeCertificate(root.publicKey, root.privateKey, undefined, true);
  const hostCert = makeCertificate(host.publicKey, root.privateKey, rootCert, false);
  const deviceCert = makeCertificate(devicePublicKey, root.privateKey, rootCert, false);
  const pem = (text: string) => Buffer.from(text, 'utf8');
  return {
    HostID: randomUUID().toUpperCase(),
    SystemBUID: systemBuid,
    HostCertificate: pem(forge.pki.certificateToPem(hostCert)),
    HostPrivateKey: pem(host.privatePem),
    RootCertificate: pem(forge.pki.certificateToPem(rootCert)),
    RootPrivateKey: pem(root.privatePem),
    DeviceCertificate: pem(forge.pki.certificateToPem(deviceCert)),
  };
}

async function newRsaKey() {
  const { privateKey } = await generateRsa('rsa', { modulusLength: 2048 });
  // PKCS#1 PEM: the form libimobiledevice reads with PEM_read_bio_RSAPrivateKey.
  const privatePem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(privatePem) as forge.pki.rsa.PrivateKey;
  return { privatePem, privateKey: forgeKey, publicKey: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e) };
}

function makeCertificate(
  publicKey: forge.pki.rsa.PublicKey,
  signingKey: forge.pki.rsa.PrivateKey,
  issuer: forge.pki.Certificate | undefined,
  isCa: boolean,
): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  // A positive random serial (a leading 0x00 keeps the DER integer positive).
  cert.serialNumber = `00${randomBytes(8).toString('hex')}`;
  const now = new Date();
  cert.validity.notBefore = new Date(now.getTime() - 60_000);
  cert.validity.notAfter = new Date(now.getTime());
  cert.validity.notAfter.setFullYear(now.getFullYear() + VALIDITY_YEARS);
  cert.setSubject([]);
  cert.setIssuer(issuer ? issuer.subject.attributes : []);
  const extensions: object[] = [{ name: 'basicConstraints', cA: isCa, critical: true }];
  if (isCa) extensions.push({ name: 'subjectKeyIdentifier' });
  else
    extensions.push(
      { name: 'keyUsage', critical: true, digitalSignature: true, keyEncipherment: true },
      { name: 'subjectKeyIdentifier' },
    );
  cert.setExtensions(extensions);
  cert.sign(signingKey, forge.md.sha256.create());
  return cert;
}

/** The record as a plist dictionary (for SavePairRecord). */
export function pairRecordToPlist(record: PairRecord): PlistDict {
  const dict: PlistDict = {};
  for (const [key, value] of Object.entries(record)) if (value !== undefined) dict[key] = value as Buffer | string;
  return dict;
}

/** Validates a stored record (from usbmuxd ReadPairRecord) before trusting its fields. */
export function pairRecordFromPlist(dict: PlistDict): PairRecord {
  const buf = (key: string): Buffer => {
    const v = dict[key];
    if (Buffer.isBuffer(v)) return v;
    if (typeof v === 'string') return Buffer.from(v, 'utf8');
    throw new ProtocolError(`The stored pair record has no ${key}.`);
  };
  const str = (key: string): string => {
    const v = dict[key];
    if (typeof v !== 'string' || v === '') throw new ProtocolError(`The stored pair record has no ${key}.`);
    return v;
  };
  if (!isPlistDict(dict)) throw new ProtocolError('The stored pair record is not a dictionary.');
  return {
    HostID: str('HostID'),
    SystemBUID: str('SystemBUID'),
    HostCertificate: buf('HostCertificate'),
    HostPrivateKey: buf('HostPrivateKey'),
    RootCertificate: buf('RootCertificate'),
    RootPrivateKey: buf('RootPrivateKey'),
    DeviceCertificate: buf('DeviceCertificate'),
    WiFiMACAddress: typeof dict.WiFiMACAddress === 'string' ? dict.WiFiMACAddress : undefined,
    EscrowBag: Buffer.isBuffer(dict.EscrowBag) ? dict.EscrowBag : undefined,
  };
}

/** The part of the record sent to the phone in Pair: no private keys, ever. */
export function pairRecordForPhone(record: PairRecord): PlistDict {
  return {
    DeviceCertificate: record.DeviceCertificate,
    HostCertificate: record.HostCertificate,
    HostID: record.HostID,
    RootCertificate: record.RootCertificate,
    SystemBUID: record.SystemBUID,
    ...(record.WiFiMACAddress ? { WiFiMACAddress: record.WiFiMACAddress } : {}),
  };
}
