import { setTimeout as sleep } from 'node:timers/promises';
import { ProtocolError, ServiceUnavailableError, TrustPendingError } from '../errors';
import type { PlistDict, PlistValue } from '../plist';
import type { UsbmuxClient, UsbmuxDevice } from '../usbmux/client';
import { LOCKDOWN_PORT } from '../usbmux/protocol';
import { generatePairRecord, pairRecordForPhone, pairRecordToPlist, type PairRecord } from './pair-record';
import { PropertyListConnection } from './property-list-connection';
import { LOCKDOWN_SERVICE_TYPE, lockdownErrorFor, lockdownRequest } from './protocol';

export interface PairOptions {
  /** How long to keep asking while the Trust dialog is up. At least 30 s: the dialog can take 20–30 s to appear. */
  trustTimeoutMs?: number;
  /** Pause between Pair attempts while the dialog is pending (about a second, as Finder does). */
  pollMs?: number;
  /** Called once when the phone starts showing "Trust This Computer?". */
  onTrustPending?: () => void;
  signal?: AbortSignal;
}

export interface StartedService {
  port: number;
  /** The service wants TLS on its connection (AFC normally does not). */
  ssl: boolean;
}

/**
 * A lockdownd client on one usbmux connection: QueryType, GetValue, Pair, StartSession (TLS
 * as the client with the host certificate) and StartService. Every lockdown `Error` becomes
 * a typed error that tells the user what to do (see lockdownErrorFor).
 */
export class LockdownClient {
  private sessionId: string | undefined;

  constructor(
    private readonly connection: PropertyListConnection,
    readonly device: UsbmuxDevice,
    private readonly usbmux: UsbmuxClient,
    private readonly label = 'rollkeeper',
  ) {}

  /** Connects to the phone's lockdownd (port 62078) through usbmuxd. */
  static async open(
    usbmux: UsbmuxClient,
    device: UsbmuxDevice,
    options: { label?: string; signal?: AbortSignal } = {},
  ) {
    const socket = await usbmux.connect(device, LOCKDOWN_PORT, options.signal);
    return new LockdownClient(new PropertyListConnection(socket), device, usbmux, options.label);
  }

  get inSession(): boolean {
    return this.sessionId !== undefined;
  }

  /** Sends a request and returns the reply, or throws the typed error its `Error` names. */
  async call(request: string, fields: PlistDict = {}): Promise<PlistDict> {
    const reply = await this.connection.request(lockdownRequest(request, this.label, fields), request);
    if (typeof reply.Error === 'string') throw lockdownErrorFor(reply.Error, request);
    if (reply.Request !== undefined && reply.Request !== request) {
      throw new ProtocolError(`lockdownd answered ${String(reply.Request)} to ${request}`);
    }
    return reply;
  }

  async queryType(): Promise<string> {
    const reply = await this.call('QueryType');
    if (typeof reply.Type !== 'string') throw new ProtocolError('lockdownd QueryType reply has no Type');
    return reply.Type;
  }

  /** One value (or, without a key, the whole domain as a dictionary). Before a session only a subset answers. */
  async getValue(key?: string, domain?: string): Promise<PlistValue | undefined> {
    const fields: PlistDict = {};
    if (domain) fields.Domain = domain;
    if (key) fields.Key = key;
    const reply = await this.call('GetValue', fields);
    return reply.Value;
  }

  async getString(key: string, domain?: string): Promise<string | undefined> {
    const value = await this.getValue(key, domain);
    return typeof value === 'string' ? value : undefined;
  }

  /**
   * Pairs with the phone: makes certificates over its DevicePublicKey, asks it to Pair (the
   * user sees "Trust This Computer?"), keeps asking while the dialog is pending, then stores
   * the record with usbmuxd (SavePairRecord), which makes usbmuxd send a Paired event.
   */
  async pair(options: PairOptions = {}): Promise<PairRecord> {
    const { trustTimeoutMs = 60_000, pollMs = 1000, onTrustPending, signal } = options;
    const publicKey = await this.getValue('DevicePublicKey');
    if (!Buffer.isBuffer(publicKey)) throw new ProtocolError('The iPhone did not give its DevicePublicKey.');
    const wifi = await this.getValue('WiFiAddress').catch(() => undefined);
    const buid = await this.usbmux.readBuid(signal);
    const record = await generatePairRecord(publicKey, buid);
    if (typeof wifi === 'string') record.WiFiMACAddress = wifi;

    const deadline = Date.now() + trustTimeoutMs;
    let told = false;
    for (;;) {
      signal?.throwIfAborted();
      try {
        const reply = await this.call('Pair', {
          PairRecord: pairRecordForPhone(record),
          PairingOptions: { ExtendedPairingErrors: true },
        });
        if (Buffer.isBuffer(reply.EscrowBag)) record.EscrowBag = reply.EscrowBag;
        break;
      } catch (error) {
        if (!(error instanceof TrustPendingError)) throw error;
        if (Date.now() + pollMs > deadline) throw error;
        if (!told) {
          told = true;
          onTrustPending?.();
        }
        // Wake at once when the user cancels or the cable is pulled, not at the next poll.
        const wait = signal ? AbortSignal.any([signal, this.connection.closedSignal]) : this.connection.closedSignal;
        await sleep(pollMs, undefined, { signal: wait }).catch(() => {
          throw wait.reason instanceof Error ? wait.reason : new Error('cancelled');
        });
      }
    }
    await this.usbmux.savePairRecord(this.device.udid, this.device.deviceId, pairRecordToPlist(record), signal);
    return record;
  }

  /** Starts a session with a pair record, switching to TLS when the phone asks (it always does). */
  async startSession(record: PairRecord): Promise<void> {
    const reply = await this.call('StartSession', { HostID: record.HostID, SystemBUID: record.SystemBUID });
    if (typeof reply.SessionID !== 'string') throw new ProtocolError('lockdownd StartSession reply has no SessionID');
    this.sessionId = reply.SessionID;
    if (reply.EnableSessionSSL === true) await this.connection.startTls(record.HostCertificate, record.HostPrivateKey);
  }

  /** Asks lockdownd to start a service; connect to the returned port with a new usbmux Connect. */
  async startService(service: string, escrowBag?: Buffer): Promise<StartedService> {
    let reply: PlistDict;
    try {
      reply = await this.call('StartService', { Service: service, ...(escrowBag ? { EscrowBag: escrowBag } : {}) });
    } catch (error) {
      if (error instanceof Error && 'lockdownError' in error) {
        throw new ServiceUnavailableError(service, String((error as { lockdownError: string }).lockdownError));
      }
      throw error;
    }
    const port = reply.Port;
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
      throw new ProtocolError(`lockdownd gave no valid port for ${service}`);
    }
    return { port, ssl: reply.EnableServiceSSL === true };
  }

  /** Checks this really is lockdownd (some services answer on other ports). */
  async expectLockdown(): Promise<void> {
    const type = await this.queryType();
    if (type !== LOCKDOWN_SERVICE_TYPE) throw new ProtocolError(`expected lockdownd, found "${type}"`);
  }

  close(): void {
    this.connection.close();
  }
}
