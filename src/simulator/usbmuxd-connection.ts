import type net from 'node:net';
import { encodePlist, isPlistDict, type PlistDict } from '../main/device/plist';
import {
  byteSwapPort,
  encodeUsbmuxFrame,
  LOCKDOWN_PORT,
  USBMUX_HEADER_SIZE,
  UsbmuxFrameDecoder,
  UsbmuxResult,
} from '../main/device/usbmux/protocol';
import type { SimulatedPhone } from './simulated-phone';

/** Malformed usbmuxd answers for the client's bad-input tests. */
export type UsbmuxHostileMode =
  'bad-version' | 'bad-message-type' | 'short-length' | 'huge-length' | 'truncated' | 'invalid-plist' | 'not-a-dict';

/** What a usbmuxd connection needs from the simulator that owns it. */
export interface UsbmuxdHost {
  systemBuid: string;
  hostile: UsbmuxHostileMode | undefined;
  /** Attached device records, as ListDevices lists them. */
  deviceRecords(): PlistDict[];
  /** The phone (and how it is attached) behind a usbmuxd DeviceID. */
  findAttachment(deviceId: number): { phone: SimulatedPhone; connectionType: 'USB' | 'Network' } | undefined;
  addListener(send: (body: PlistDict) => void): () => void;
  readPairRecord(udid: string): Buffer | undefined;
  savePairRecord(udid: string, data: Buffer, deviceId: number | undefined): void;
  deletePairRecord(udid: string): boolean;
  /** Hands a connected socket to lockdownd or a started service. */
  serveConnection(socket: net.Socket, phone: SimulatedPhone, connectionType: 'USB' | 'Network', port: number): boolean;
}

/**
 * One client of the simulated usbmuxd, with Linux usbmuxd's plist protocol: ListDevices,
 * Listen, Connect (port byte-swapped), ReadBUID, Read/Save/DeletePairRecord, ListListeners.
 * Errors in what the client sends close the connection, as usbmuxd does.
 */
export function serveUsbmuxClient(socket: net.Socket, host: UsbmuxdHost): void {
  const decoder = new UsbmuxFrameDecoder();
  let unsubscribe: (() => void) | undefined;
  let handedOver = false;

  const reply = (body: PlistDict, tag: number) => {
    if (socket.destroyed) return;
    if (host.hostile) socket.write(hostileFrame(host.hostile, tag));
    else socket.write(encodeUsbmuxFrame(body, tag));
  };
  const result = (tag: number, number: number) => reply({ MessageType: 'Result', Number: number }, tag);

  const onData = (chunk: Buffer) => {
    let frames;
    try {
      frames = decoder.push(chunk);
    } catch {
      socket.destroy();
      return;
    }
    for (const { body, tag } of frames) {
      if (handedOver) return;
      switch (body.MessageType) {
        case 'ListDevices':
          reply({ DeviceList: host.deviceRecords() }, tag);
          break;
        case 'Listen':
          result(tag, UsbmuxResult.OK);
          for (const record of host.deviceRecords()) reply(record, 0);
          unsubscribe ??= host.addListener((event) => reply(event, 0));
          break;
        case 'Connect': {
          const attachment = typeof body.DeviceID === 'number' ? host.findAttachment(body.DeviceID) : undefined;
          if (!attachment) {
            result(tag, UsbmuxResult.BAD_DEVICE);
            break;
          }
          const port = typeof body.PortNumber === 'number' ? byteSwapPort(body.PortNumber) : -1;
          const isKnown = port === LOCKDOWN_PORT || attachment.phone.servicePorts.has(port);
          if (!isKnown) {
            result(tag, UsbmuxResult.CONNECTION_REFUSED);
            break;
          }
          result(tag, UsbmuxResult.OK);
          if (host.hostile) break;
          // From here the socket is a raw pipe to the phone's port.
          handedOver = true;
          socket.off('data', onData);
          const rest = decoder.takeRest();
          if (rest.length > 0) socket.unshift(rest);
          host.serveConnection(socket, attachment.phone, attachment.connectionType, port);
          return;
        }
        case 'ReadBUID':
          reply({ BUID: host.systemBuid }, tag);
          break;
        case 'ReadPairRecord': {
          const data =
            typeof body.PairRecordID === 'string'
              ? safe(() => host.readPairRecord(body.PairRecordID as string))
              : undefined;
          if (data) reply({ PairRecordData: data }, tag);
          else result(tag, 2); // ENOENT
          break;
        }
        case 'SavePairRecord': {
          const id = body.PairRecordID;
          const data = body.PairRecordData;
          if (typeof id !== 'string' || !Buffer.isBuffer(data)) {
            result(tag, 22); // EINVAL
            break;
          }
          try {
            host.savePairRecord(id, data, typeof body.DeviceID === 'number' ? body.DeviceID : undefined);
            result(tag, 0);
          } catch {
            result(tag, 22);
          }
          break;
        }
        case 'DeletePairRecord': {
          const id = body.PairRecordID;
          const deleted = typeof id === 'string' && safe(() => host.deletePairRecord(id));
          result(tag, deleted ? 0 : 2);
          break;
        }
        case 'ListListeners':
          reply({ ListenerList: [] }, tag);
          break;
        default:
          result(tag, UsbmuxResult.BAD_COMMAND);
      }
    }
  };

  socket.on('data', onData);
  socket.on('error', () => socket.destroy());
  socket.on('close', () => unsubscribe?.());
}

function safe<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}

/** The bytes of one broken frame in the given mode. */
export function hostileFrame(mode: UsbmuxHostileMode, tag: number): Buffer {
  const good = encodeUsbmuxFrame({ MessageType: 'Result', Number: 0 }, tag);
  const header = good.subarray(0, USBMUX_HEADER_SIZE);
  const withBody = (body: Buffer, length = USBMUX_HEADER_SIZE + body.length) => {
    const head = Buffer.from(header);
    head.writeUInt32LE(length >>> 0, 0);
    return Buffer.concat([head, body]);
  };
  switch (mode) {
    case 'bad-version': {
      const frame = Buffer.from(good);
      frame.writeUInt32LE(7, 4);
      return frame;
    }
    case 'bad-message-type': {
      const frame = Buffer.from(good);
      frame.writeUInt32LE(3, 8);
      return frame;
    }
    case 'short-length':
      return withBody(Buffer.alloc(0), 4);
    case 'huge-length':
      return withBody(Buffer.alloc(32, 0x41), 0xffff_fff0);
    case 'truncated':
      return withBody(Buffer.from('<plist>'), 4096);
    case 'invalid-plist':
      return withBody(Buffer.from('<plist><dict><key>MessageType</key><string>Result</dict>'));
    case 'not-a-dict':
      return withBody(encodePlist([1, 2, 3]));
  }
}

/** The `Attached` record ListDevices and Listen describe a phone with. */
export function attachedRecord(phone: SimulatedPhone, deviceId: number, connectionType: 'USB' | 'Network'): PlistDict {
  // usbmuxd reports the USB serial: the UDID without its dash (clients add it back).
  const serial = phone.udid.length === 25 && phone.udid[8] === '-' ? phone.udid.replace('-', '') : phone.udid;
  const properties: PlistDict =
    connectionType === 'USB'
      ? {
          ConnectionSpeed: 480_000_000,
          ConnectionType: 'USB',
          DeviceID: deviceId,
          LocationID: 0x0110_0000 + deviceId,
          ProductID: 0x12a8,
          SerialNumber: serial,
        }
      : {
          ConnectionType: 'Network',
          DeviceID: deviceId,
          // A raw sockaddr_in (BSD layout: length, family, port, address) for 127.0.0.1:62078.
          NetworkAddress: Buffer.from([0x10, 0x02, 0xf2, 0x7e, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]),
          EscapedFullServiceName: `${phone.wifiAddress}@fe80::1._apple-mobdev2._tcp.local.`,
          InterfaceIndex: 1,
          SerialNumber: serial,
        };
  return { MessageType: 'Attached', DeviceID: deviceId, Properties: properties };
}

export function isAttachedRecord(value: unknown): value is PlistDict {
  return isPlistDict(value) && value.MessageType === 'Attached';
}
