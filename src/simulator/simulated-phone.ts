import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { decodePlistDict, encodePlist, isPlistDict, type PlistDict } from '../main/device/plist';
import { keyFromPrivatePem, makeHostRecord, newDeviceKey, type DeviceKey } from './device-identity';
import type { AfcServerOptions } from './afc-server';
import { Link, type LinkPreset } from './link';
import type { StateStore } from './state-store';

/** What the phone's "Trust This Computer?" dialog is doing. */
export type TrustDialog = 'none' | 'showing' | 'accepted' | 'denied';

/** Malformed lockdown answers for the client's bad-input tests. */
export type LockdownHostileMode = 'huge-length' | 'zero-length' | 'invalid-plist' | 'truncated' | 'not-a-dict';

export interface SimulatedPhoneOptions {
  /** The phone's media root (`/var/mobile/Media`), served over AFC. */
  cameraRoll: string;
  udid?: string;
  name?: string;
  productType?: string;
  iosVersion?: string;
  buildVersion?: string;
  /** Starts locked with a passcode. */
  locked?: boolean;
  /** Starts knowing no computer: pairing needs a Trust tap. Default false (already trusted). */
  untrusted?: boolean;
  /** Also listed as a Network (Wi-Fi) attachment next to USB. */
  wifi?: boolean;
  /** Link speed for the AFC connections (see link.ts). */
  link?: LinkPreset;
  /** Extra delay on every reply, overriding the preset's. */
  latencyMs?: number;
}

/** A host the phone trusts, as it remembers it after Pair. */
interface TrustedHost {
  HostID: string;
  HostCertificate: Buffer;
  RootCertificate: Buffer;
  DeviceCertificate: Buffer;
  EscrowBag: Buffer;
}

export interface SimulatedPhoneEvents {
  /** Lock, trust or attachment changed. */
  changed: [];
}

/**
 * One simulated iPhone: identity, lock state, the trust dialog and the hosts it trusts. The
 * PhoneSimulator attaches it to its usbmuxd; lockdownd.ts answers for it.
 */
export class SimulatedPhone extends EventEmitter<SimulatedPhoneEvents> {
  readonly udid: string;
  readonly name: string;
  readonly productType: string;
  readonly iosVersion: string;
  readonly buildVersion: string;
  readonly cameraRoll: string;
  readonly wifi: boolean;
  /** The simulated cable, shared by the phone's AFC connections (arm faults on it in tests). */
  readonly link: Link;
  /** Options every AFC connection of this phone is served with (faults, shared counters). */
  readonly afc: AfcServerOptions;
  readonly wifiAddress: string;
  readonly serialNumber: string;
  readonly key: DeviceKey;

  locked: boolean;
  trustDialog: TrustDialog = 'none';
  /** When set, lockdownd answers every request with this kind of broken frame. */
  hostileLockdown: LockdownHostileMode | undefined;
  /** usbmuxd handles of the current attachment (USB, and Network when wifi); empty when detached. */
  deviceIds: { usb?: number; network?: number } = {};
  /** Set by the PhoneSimulator that owns the phone: how detach()/attach() reach its usbmuxd. */
  plug: { attach(phone: SimulatedPhone): void; detach(phone: SimulatedPhone): void } | undefined;

  private trusted = new Map<string, TrustedHost>();
  private readonly connections = new Set<Duplex>();
  /** Ports handed out by StartService and not yet connected to, with their service. */
  readonly servicePorts = new Map<number, string>();

  constructor(
    options: SimulatedPhoneOptions,
    private readonly store: StateStore,
  ) {
    super();
    this.udid = options.udid ?? `00008120-${randomBytes(8).toString('hex').toUpperCase()}`;
    this.name = options.name ?? 'Simulated iPhone';
    this.productType = options.productType ?? 'iPhone15,2';
    this.iosVersion = options.iosVersion ?? '17.5.1';
    this.buildVersion = options.buildVersion ?? '21F90';
    this.cameraRoll = options.cameraRoll;
    this.wifi = options.wifi ?? false;
    this.link = new Link({ preset: options.link ?? 'unlimited', latencyMs: options.latencyMs });
    this.afc = { root: options.cameraRoll, model: this.productType };
    this.locked = options.locked ?? false;

    const saved = store.readPhone(this.udid);
    this.key = typeof saved?.DevicePrivateKey === 'string' ? keyFromPrivatePem(saved.DevicePrivateKey) : newDeviceKey();
    this.wifiAddress = typeof saved?.WiFiAddress === 'string' ? saved.WiFiAddress : randomMac();
    this.serialNumber =
      typeof saved?.SerialNumber === 'string' ? saved.SerialNumber : randomBytes(5).toString('hex').toUpperCase();
    if (Array.isArray(saved?.TrustedHosts)) {
      for (const host of saved.TrustedHosts) if (isTrustedHost(host)) this.trusted.set(host.HostID, host);
    }

    if (options.untrusted) {
      this.trusted.clear();
      store.deletePairRecord(this.udid);
    } else if (!this.hasValidStoredRecord()) {
      // Play the computer that paired this phone earlier, as Linux usbmuxd would have stored it.
      const record = makeHostRecord(this.key, store.systemBuid(), this.wifiAddress);
      this.trusted.set(record.HostID, {
        HostID: record.HostID,
        HostCertificate: record.HostCertificate,
        RootCertificate: record.RootCertificate,
        DeviceCertificate: record.DeviceCertificate,
        EscrowBag: record.EscrowBag,
      });
      store.savePairRecord(this.udid, encodePlist({ ...record }));
    }
    this.persist();
  }

  get attached(): boolean {
    return this.deviceIds.usb !== undefined || this.deviceIds.network !== undefined;
  }

  /** True when the phone trusts at least one computer. */
  get trustsAnyHost(): boolean {
    return this.trusted.size > 0;
  }

  trustedHost(hostId: unknown): TrustedHost | undefined {
    return typeof hostId === 'string' ? this.trusted.get(hostId) : undefined;
  }

  /** Records a host after a successful Pair; returns the escrow bag to hand back. */
  acceptHost(record: PlistDict): Buffer {
    const escrowBag = randomBytes(32);
    const host = {
      HostID: record.HostID as string,
      HostCertificate: record.HostCertificate as Buffer,
      RootCertificate: record.RootCertificate as Buffer,
      DeviceCertificate: record.DeviceCertificate as Buffer,
      EscrowBag: escrowBag,
    };
    this.trusted.set(host.HostID, host);
    this.trustDialog = 'none';
    this.persist();
    this.emit('changed');
    return escrowBag;
  }

  /** Pulls the cable: every connection to the phone ends, listeners get Detached. */
  detach(): void {
    this.plug?.detach(this);
  }

  /** Plugs the cable back in (a new DeviceID, as on real hardware). */
  attach(): void {
    this.plug?.attach(this);
  }

  /** The user taps "Trust" (also before the dialog shows: the next Pair is accepted). */
  tapTrust(): void {
    this.trustDialog = 'accepted';
    this.emit('changed');
  }

  /** The user taps "Don't Trust". */
  tapDontTrust(): void {
    this.trustDialog = 'denied';
    this.emit('changed');
  }

  lock(): void {
    this.locked = true;
    this.emit('changed');
  }

  unlock(): void {
    this.locked = false;
    this.emit('changed');
  }

  /** The phone forgets every computer (Reset Location & Privacy); usbmuxd keeps its now-useless record. */
  forgetHosts(): void {
    this.trusted.clear();
    this.persist();
    this.emit('changed');
  }

  /** Removes one host (lockdown Unpair). */
  forgetHost(hostId: string): void {
    this.trusted.delete(hostId);
    this.persist();
  }

  /** Every connection to the phone; all are cut when it is detached, as a pulled cable does. */
  track(connection: Duplex): void {
    this.connections.add(connection);
    connection.once('close', () => this.connections.delete(connection));
  }

  cutConnections(): void {
    for (const connection of this.connections) connection.destroy();
    this.connections.clear();
    this.servicePorts.clear();
    // Replugging dismisses an unanswered dialog, and the phone asks again next time.
    if (this.trustDialog !== 'accepted') this.trustDialog = 'none';
  }

  private hasValidStoredRecord(): boolean {
    const data = this.store.readPairRecord(this.udid);
    if (!data) return false;
    try {
      const record = decodePlistDict(data);
      return this.trusted.has(String(record.HostID));
    } catch {
      return false;
    }
  }

  private persist(): void {
    this.store.writePhone(this.udid, {
      DevicePrivateKey: this.key.privatePem,
      WiFiAddress: this.wifiAddress,
      SerialNumber: this.serialNumber,
      TrustedHosts: [...this.trusted.values()].map((h) => ({ ...h })),
    });
  }
}

function isTrustedHost(value: unknown): value is TrustedHost {
  return (
    isPlistDict(value) &&
    typeof value.HostID === 'string' &&
    Buffer.isBuffer(value.HostCertificate) &&
    Buffer.isBuffer(value.RootCertificate) &&
    Buffer.isBuffer(value.DeviceCertificate) &&
    Buffer.isBuffer(value.EscrowBag)
  );
}

function randomMac(): string {
  const bytes = randomBytes(6);
  bytes[0] = (bytes[0]! & 0xfe) | 0x02; // locally administered, unicast
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(':');
}
