import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { DeviceDisconnectedError, PairingRevokedError } from './errors';
import { LockdownClient, type PairOptions } from './lockdown/client';
import { pairRecordFromPlist, type PairRecord } from './lockdown/pair-record';
import { pickDevice, type UsbmuxClient, type UsbmuxDevice } from './usbmux/client';

export interface TrustedLockdownOptions extends PairOptions {
  /** Pair when there is no record, or when the phone forgot this computer. Default true. */
  pairIfNeeded?: boolean;
  /** Called when the phone no longer accepts our record, before pairing again. */
  onRevoked?: () => void;
  label?: string;
}

/** A lockdown client inside a TLS session, with the record that opened it. */
export interface TrustedLockdown {
  lockdown: LockdownClient;
  record: PairRecord;
  device: UsbmuxDevice;
}

/**
 * Opens lockdown and starts a session: reads the pair record from usbmuxd, pairs when there is
 * none (Trust dialog, polled), and when the phone has forgotten us, pairs again once.
 * Throws the typed lockdown errors (locked, trust pending, denied, revoked).
 */
export async function openTrustedLockdown(
  usbmux: UsbmuxClient,
  device: UsbmuxDevice,
  options: TrustedLockdownOptions = {},
): Promise<TrustedLockdown> {
  const pairIfNeeded = options.pairIfNeeded ?? true;
  const open = () => LockdownClient.open(usbmux, device, { label: options.label, signal: options.signal });
  let lockdown = await open();
  try {
    const stored = await usbmux.readPairRecord(device.udid, options.signal);
    let record: PairRecord;
    if (stored) record = pairRecordFromPlist(stored);
    else if (pairIfNeeded) record = await lockdown.pair(options);
    else throw new PairingRevokedError();
    try {
      await lockdown.startSession(record);
    } catch (error) {
      if (!(error instanceof PairingRevokedError) || !pairIfNeeded || !stored) throw error;
      // The phone forgot this computer (trust reset, restore): pair again on a fresh connection,
      // since a failed TLS handshake leaves the old one unusable.
      options.onRevoked?.();
      lockdown.close();
      lockdown = await open();
      record = await lockdown.pair(options);
      await lockdown.startSession(record);
    }
    return { lockdown, record, device };
  } catch (error) {
    lockdown.close();
    throw error;
  }
}

/**
 * Starts a service on the phone and connects to it: lockdown StartService, then a new usbmux
 * Connect to the port it names (TLS with the host certificate when EnableServiceSSL). The
 * returned Duplex carries the service's own protocol (e.g. AfcClient is built over it).
 * Pass an open TrustedLockdown to reuse its session, or a UDID/device to open one.
 */
export async function connectToService(
  usbmux: UsbmuxClient,
  target: TrustedLockdown | UsbmuxDevice | string | undefined,
  serviceName: string,
  options: TrustedLockdownOptions = {},
): Promise<Duplex> {
  let trusted: TrustedLockdown;
  let owned = false;
  if (target && typeof target === 'object' && 'lockdown' in target) trusted = target;
  else {
    const device = typeof target === 'object' ? target : pickDevice(await usbmux.listDevices(options.signal), target);
    trusted = await openTrustedLockdown(usbmux, device, options);
    owned = true;
  }
  try {
    const { port, ssl } = await trusted.lockdown.startService(serviceName, trusted.record.EscrowBag);
    // Without TLS the service client may read the socket directly (AfcConnection does: it reads
    // FILE_READ payloads in place). TLS needs the plain socket underneath it.
    const socket = await usbmux.connect(trusted.device, port, options.signal, { directRead: !ssl });
    if (!ssl) return socket;
    return await wrapTls(socket, trusted.record);
  } finally {
    if (owned) trusted.lockdown.close();
  }
}

function wrapTls(socket: Duplex, record: PairRecord): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const secure = tls.connect({
      socket,
      cert: record.HostCertificate,
      key: record.HostPrivateKey,
      rejectUnauthorized: false,
      minVersion: 'TLSv1',
      ciphers: 'DEFAULT:@SECLEVEL=0',
    });
    secure.once('secureConnect', () => {
      secure.off('error', reject);
      resolve(secure);
    });
    secure.once('error', (error) => {
      secure.destroy();
      reject(new DeviceDisconnectedError('The secure connection to the iPhone service failed.', { cause: error }));
    });
  });
}
