import { createPublicKey, randomUUID, X509Certificate } from 'node:crypto';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { encodeLockdownFrame, LOCKDOWN_SERVICE_TYPE, LockdownFrameDecoder } from '../main/device/lockdown/protocol';
import { encodePlist, isPlistDict, type PlistDict, type PlistValue } from '../main/device/plist';
import { pemToDer } from './device-identity';
import type { LockdownHostileMode, SimulatedPhone } from './simulated-phone';

/** Services the simulated phone can start. */
export const AFC_SERVICE = 'com.apple.afc';
const SERVICES = new Set([AFC_SERVICE]);

export interface LockdowndContext {
  /** USB or Network: pairing is only allowed over USB, as on a real phone. */
  connectionType: 'USB' | 'Network';
  /** Picks a free port number for a started service. */
  allocatePort(): number;
}

/**
 * Answers one lockdownd connection (port 62078) for a simulated phone, as iOS does:
 * QueryType, GetValue (a subset before a session), Pair with the Trust dialog, ValidatePair,
 * Unpair, StartSession with real TLS (server side, the DeviceCertificate from the pair and
 * the phone's own key; the client's certificate must be the record's host or root
 * certificate), StopSession, StartService, Goodbye.
 */
export function serveLockdown(socket: Duplex, phone: SimulatedPhone, context: LockdowndContext): void {
  let stream: Duplex = socket;
  let decoder = new LockdownFrameDecoder();
  let session: { id: string; hostId: string } | undefined;

  const send = (reply: PlistDict) => {
    if (!stream.destroyed) stream.write(encodeLockdownFrame(reply));
  };

  const onData = (chunk: Buffer) => {
    let messages: PlistDict[];
    try {
      messages = decoder.push(chunk);
    } catch {
      // A client that sends garbage gets the connection closed, as lockdownd does.
      stream.destroy();
      return;
    }
    for (const message of messages) {
      if (phone.hostileLockdown) {
        sendHostile(stream, phone.hostileLockdown);
        return;
      }
      const done = handle(message);
      if (done === 'tls' || done === 'close') return;
    }
  };

  const handle = (message: PlistDict): 'tls' | 'close' | undefined => {
    const request = typeof message.Request === 'string' ? message.Request : '';
    const fail = (error: string): undefined => void send({ Request: request, Error: error });
    switch (request) {
      case 'QueryType':
        send({ Request: request, Type: LOCKDOWN_SERVICE_TYPE });
        return;
      case 'GetValue': {
        const values = lockdownValues(phone, session !== undefined);
        const domain = typeof message.Domain === 'string' ? message.Domain : undefined;
        const key = typeof message.Key === 'string' ? message.Key : undefined;
        if (domain) {
          // No extra domains are simulated: an empty answer, as iOS gives for an unknown domain.
          if (key) return fail('MissingValue');
          send({ Request: request, Domain: domain, Value: {} });
          return;
        }
        if (!key) {
          send({ Request: request, Value: values });
          return;
        }
        const value = values[key];
        if (value === undefined) return fail('MissingValue');
        send({ Request: request, Key: key, Value: value });
        return;
      }
      case 'SetValue':
      case 'RemoveValue':
        return fail('SetProhibited');
      case 'Pair':
        return pair(message, fail);
      case 'ValidatePair': {
        const record = isPlistDict(message.PairRecord) ? message.PairRecord : {};
        if (!phone.trustedHost(record.HostID)) return fail('InvalidHostID');
        send({ Request: request });
        return;
      }
      case 'Unpair': {
        const record = isPlistDict(message.PairRecord) ? message.PairRecord : {};
        const hostId = typeof record.HostID === 'string' ? record.HostID : session?.hostId;
        if (!hostId || !phone.trustedHost(hostId)) return fail('InvalidHostID');
        phone.forgetHost(hostId);
        send({ Request: request });
        return;
      }
      case 'StartSession': {
        const host = phone.trustedHost(message.HostID);
        if (!host) return fail('InvalidHostID');
        if (session) return fail('SessionActive');
        session = { id: randomUUID().toUpperCase(), hostId: host.HostID };
        send({ Request: request, SessionID: session.id, EnableSessionSSL: true });
        startTls(host.DeviceCertificate, [host.HostCertificate, host.RootCertificate]);
        return 'tls';
      }
      case 'StopSession':
        if (!session) return fail('SessionInactive');
        send({ Request: request });
        // The client shuts its TLS layer down next; this simulator ends the connection there.
        stream.end();
        return 'close';
      case 'StartService': {
        const service = typeof message.Service === 'string' ? message.Service : '';
        if (!session) return fail('SessionInactive');
        if (phone.locked) return fail('PasswordProtected');
        if (!SERVICES.has(service)) return fail('InvalidService');
        const port = context.allocatePort();
        phone.servicePorts.set(port, service);
        send({ Request: request, Service: service, Port: port, EnableServiceSSL: false });
        return;
      }
      case 'Goodbye':
        send({ Request: request, Result: 'Success' });
        stream.end();
        return 'close';
      default:
        return fail('InvalidRequest');
    }
  };

  const pair = (message: PlistDict, fail: (error: string) => undefined): undefined => {
    const record = message.PairRecord;
    if (!isPlistDict(record) || typeof record.HostID !== 'string' || !Buffer.isBuffer(record.HostCertificate)) {
      return void fail('InvalidPairRecord');
    }
    if (!Buffer.isBuffer(record.RootCertificate) || !Buffer.isBuffer(record.DeviceCertificate))
      return void fail('InvalidPairRecord');
    if (!certificateHoldsKey(record.DeviceCertificate, phone.key.publicPem)) return void fail('InvalidPairRecord');
    if (context.connectionType !== 'USB') return void fail('PairingProhibitedOverThisConnection');
    const known = phone.trustedHost(record.HostID);
    if (known) {
      send({ Request: 'Pair', EscrowBag: known.EscrowBag });
      return;
    }
    if (phone.locked) return void fail('PasswordProtected');
    switch (phone.trustDialog) {
      case 'none':
        phone.trustDialog = 'showing';
        phone.emit('changed');
        return void fail('PairingDialogResponsePending');
      case 'showing':
        return void fail('PairingDialogResponsePending');
      case 'denied':
        return void fail('UserDeniedPairing');
      case 'accepted':
        send({ Request: 'Pair', EscrowBag: phone.acceptHost(record) });
        return;
    }
  };

  const startTls = (deviceCertificate: Buffer, acceptedClientCerts: Buffer[]) => {
    const rawSocket = stream;
    rawSocket.off('data', onData);
    const secure = new tls.TLSSocket(rawSocket, {
      isServer: true,
      requestCert: true,
      rejectUnauthorized: false,
      // Records from libimobiledevice 1.3.0 are SHA-1 signed: allow them, as iOS does.
      secureContext: tls.createSecureContext({
        cert: deviceCertificate,
        key: phone.key.privatePem,
        minVersion: 'TLSv1',
        ciphers: 'ALL:@SECLEVEL=0',
      }),
    });
    const allowed = acceptedClientCerts.map((pem) => pemToDer(pem)).filter((der): der is Buffer => der !== undefined);
    secure.once('secure', () => {
      // libimobiledevice presents the root certificate, pymobiledevice3 and we the host's.
      const presented = secure.getPeerCertificate(false);
      const raw = presented && 'raw' in presented ? presented.raw : undefined;
      if (!raw || !allowed.some((der) => der.equals(raw))) cutOff();
    });
    // Destroying the TLS layer alone can leave the usbmux connection under it open (the client
    // would wait for a reply that never comes): a phone that refuses a host hangs up the line.
    const cutOff = () => {
      secure.destroy();
      rawSocket.destroy();
    };
    secure.on('error', cutOff);
    phone.track(secure);
    stream = secure;
    decoder = new LockdownFrameDecoder();
    secure.on('data', onData);
  };

  phone.track(socket);
  socket.on('data', onData);
  socket.on('error', () => socket.destroy());
}

/** What GetValue answers: a subset before a session, as a real phone does. */
export function lockdownValues(phone: SimulatedPhone, inSession: boolean): PlistDict {
  const open: PlistDict = {
    BuildVersion: phone.buildVersion,
    DeviceClass: 'iPhone',
    DeviceColor: '1',
    DeviceName: phone.name,
    DevicePublicKey: Buffer.from(phone.key.publicPem),
    HardwareModel: 'D73AP',
    ProductName: 'iPhone OS',
    ProductType: phone.productType,
    ProductVersion: phone.iosVersion,
    UniqueDeviceID: phone.udid,
    WiFiAddress: phone.wifiAddress,
  };
  if (!inSession) return open;
  const more: Record<string, PlistValue> = {
    ActivationState: 'Activated',
    BluetoothAddress: phone.wifiAddress,
    CPUArchitecture: 'arm64e',
    HardwarePlatform: 't8120',
    ModelNumber: 'MQ0T3',
    PasswordProtected: phone.locked,
    ProductionSOC: true,
    RegionInfo: 'LL/A',
    SerialNumber: phone.serialNumber,
    TimeZone: 'Europe/Oslo',
    UniqueChipID: 0x1234_5678_9abc,
    TrustedHostAttached: true,
  };
  return { ...open, ...more };
}

function certificateHoldsKey(certificatePem: Buffer, publicPem: string): boolean {
  try {
    const certKey = new X509Certificate(certificatePem).publicKey.export({ type: 'spki', format: 'der' });
    const key = createPublicKey(publicPem).export({ type: 'spki', format: 'der' });
    return Buffer.compare(certKey, key) === 0;
  } catch {
    return false;
  }
}

function sendHostile(stream: Duplex, mode: LockdownHostileMode): void {
  const frame = (payload: Buffer, length = payload.length) => {
    const head = Buffer.alloc(4);
    head.writeUInt32BE(length >>> 0, 0);
    return Buffer.concat([head, payload]);
  };
  switch (mode) {
    case 'huge-length':
      stream.write(frame(Buffer.alloc(16, 0x41), 0xffff_fff0));
      return;
    case 'zero-length':
      stream.write(frame(Buffer.alloc(0)));
      return;
    case 'invalid-plist':
      stream.write(frame(Buffer.from('<?xml version="1.0"?><plist><dict><key>Request</key><strin')));
      return;
    case 'not-a-dict':
      stream.write(frame(encodePlist(['an', 'array'])));
      return;
    case 'truncated':
      stream.write(frame(Buffer.from('<plist>'), 4096));
      stream.end();
      return;
  }
}
