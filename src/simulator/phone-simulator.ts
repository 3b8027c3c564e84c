import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { decodePlistDict, type PlistDict } from '../main/device/plist';
import { LOCKDOWN_PORT } from '../main/device/usbmux/protocol';
import { serveAfc } from './afc-server';
import { AFC_SERVICE, serveLockdown } from './lockdownd';
import { SimulatedPhone, type SimulatedPhoneOptions } from './simulated-phone';
import { StateStore } from './state-store';
import { attachedRecord, serveUsbmuxClient, type UsbmuxdHost, type UsbmuxHostileMode } from './usbmuxd-connection';

export interface PhoneSimulatorOptions {
  /** Listen on this UNIX socket path. Default: a socket in a fresh temp folder. */
  socketPath?: string;
  /** Listen on 127.0.0.1 at this TCP port instead (0 = any free port). */
  port?: number;
  /** Where pair records, the host's SystemBUID and the phones' memory are kept. Default: a temp folder, removed on close. */
  stateDir?: string;
}

/**
 * A fake usbmuxd with simulated iPhones behind it: protocol-true enough for libimobiledevice's
 * tools and our own client. Phones can be added, removed, detached and re-attached; each has
 * a lockdownd (pairing, TLS sessions, lock state) and AFC over its camera-roll folder.
 *
 * ```ts
 * const sim = await PhoneSimulator.start();
 * const phone = await sim.addPhone({ cameraRoll: dir, untrusted: true });
 * process.env.USBMUXD_SOCKET_ADDRESS = sim.address;
 * ```
 */
export class PhoneSimulator implements UsbmuxdHost {
  readonly phones = new Set<SimulatedPhone>();
  readonly store: StateStore;
  readonly systemBuid: string;
  /** When set, every usbmuxd answer is a malformed frame of this kind. */
  hostile: UsbmuxHostileMode | undefined;

  private nextDeviceId = 1;
  private nextServicePort = 49_152;
  private readonly listeners = new Set<(body: PlistDict) => void>();
  private readonly clients = new Set<net.Socket>();

  private constructor(
    private readonly server: net.Server,
    /** `USBMUXD_SOCKET_ADDRESS` for clients: `UNIX:/path` or `127.0.0.1:port`. */
    readonly address: string,
    stateDir: string,
    private readonly cleanup: () => void,
  ) {
    this.store = new StateStore(stateDir);
    this.systemBuid = this.store.systemBuid();
    server.on('connection', (socket) => {
      this.clients.add(socket);
      socket.once('close', () => this.clients.delete(socket));
      serveUsbmuxClient(socket, this);
    });
  }

  static async start(options: PhoneSimulatorOptions = {}): Promise<PhoneSimulator> {
    const temps: string[] = [];
    const temp = () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'rollkeeper-sim-'));
      temps.push(dir);
      return dir;
    };
    const stateDir = options.stateDir ?? temp();
    const server = net.createServer();
    let address: string;
    if (options.port !== undefined) {
      await listen(server, () => server.listen(options.port, '127.0.0.1'));
      address = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    } else {
      const socketPath = options.socketPath ?? path.join(temp(), 'usbmuxd');
      rmSync(socketPath, { force: true });
      await listen(server, () => server.listen(socketPath));
      address = `UNIX:${socketPath}`;
    }
    const cleanup = () => temps.forEach((dir) => rmSync(dir, { recursive: true, force: true }));
    return new PhoneSimulator(server, address, stateDir, cleanup);
  }

  /** Adds a phone and plugs it in. Key generation is native, so this takes a few ms. */
  addPhone(options: SimulatedPhoneOptions): SimulatedPhone {
    const phone = new SimulatedPhone(options, this.store);
    phone.plug = { attach: (p) => this.attach(p), detach: (p) => this.detach(p) };
    this.phones.add(phone);
    this.attach(phone);
    return phone;
  }

  removePhone(phone: SimulatedPhone): void {
    this.detach(phone);
    this.phones.delete(phone);
    phone.plug = undefined;
  }

  attach(phone: SimulatedPhone): void {
    if (phone.attached || !this.phones.has(phone)) return;
    phone.deviceIds = { usb: this.nextDeviceId++, network: phone.wifi ? this.nextDeviceId++ : undefined };
    for (const record of this.recordsOf(phone)) this.broadcast(record);
    phone.emit('changed');
  }

  /** Pulls the cable: connections are cut first, then listeners hear Detached. */
  detach(phone: SimulatedPhone): void {
    if (!phone.attached) return;
    const ids = [phone.deviceIds.usb, phone.deviceIds.network].filter((id): id is number => id !== undefined);
    phone.deviceIds = {};
    phone.cutConnections();
    for (const id of ids) this.broadcast({ MessageType: 'Detached', DeviceID: id });
    phone.emit('changed');
  }

  async close(): Promise<void> {
    for (const phone of this.phones) phone.cutConnections();
    for (const socket of this.clients) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.cleanup();
  }

  // ---- UsbmuxdHost

  deviceRecords(): PlistDict[] {
    return [...this.phones].flatMap((phone) => this.recordsOf(phone));
  }

  findAttachment(deviceId: number) {
    for (const phone of this.phones) {
      if (phone.deviceIds.usb === deviceId) return { phone, connectionType: 'USB' as const };
      if (phone.deviceIds.network === deviceId) return { phone, connectionType: 'Network' as const };
    }
    return undefined;
  }

  addListener(send: (body: PlistDict) => void): () => void {
    this.listeners.add(send);
    return () => this.listeners.delete(send);
  }

  readPairRecord(udid: string): Buffer | undefined {
    return this.store.readPairRecord(recordId(udid));
  }

  /** Stores a record as Linux usbmuxd does, then tells listeners the phone is Paired. */
  savePairRecord(udid: string, data: Buffer, deviceId: number | undefined): void {
    decodePlistDict(data);
    this.store.savePairRecord(recordId(udid), data);
    const phone = [...this.phones].find((p) => p.udid === recordId(udid));
    const id = deviceId ?? phone?.deviceIds.usb;
    if (id !== undefined && this.findAttachment(id)) this.broadcast({ MessageType: 'Paired', DeviceID: id });
  }

  deletePairRecord(udid: string): boolean {
    return this.store.deletePairRecord(recordId(udid));
  }

  serveConnection(socket: net.Socket, phone: SimulatedPhone, connectionType: 'USB' | 'Network', port: number): boolean {
    if (port === LOCKDOWN_PORT) {
      serveLockdown(socket, phone, { connectionType, allocatePort: () => this.allocatePort() });
      return true;
    }
    const service = phone.servicePorts.get(port);
    // A started service's port takes one connection, as on the phone.
    phone.servicePorts.delete(port);
    if (service === AFC_SERVICE) {
      phone.track(socket);
      serveAfc(phone.link.wrap(socket), phone.afc);
      return true;
    }
    socket.destroy();
    return false;
  }

  private allocatePort(): number {
    const port = this.nextServicePort;
    this.nextServicePort = port >= 65_000 ? 49_152 : port + 1;
    return port;
  }

  private recordsOf(phone: SimulatedPhone): PlistDict[] {
    const records: PlistDict[] = [];
    if (phone.deviceIds.usb !== undefined) records.push(attachedRecord(phone, phone.deviceIds.usb, 'USB'));
    if (phone.deviceIds.network !== undefined) records.push(attachedRecord(phone, phone.deviceIds.network, 'Network'));
    return records;
  }

  private broadcast(body: PlistDict): void {
    for (const send of this.listeners) send(body);
  }
}

/**
 * Records are keyed by the dashed UDID. Clients that use usbmuxd's raw (dashless) serial as
 * the record ID, as appium-ios-device does, find the same record.
 */
function recordId(udid: string): string {
  return udid.length === 24 && /^[0-9A-Fa-f]{24}$/.test(udid) ? `${udid.slice(0, 8)}-${udid.slice(8)}` : udid;
}

function listen(server: net.Server, start: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
      resolve();
    });
    start();
  });
}
