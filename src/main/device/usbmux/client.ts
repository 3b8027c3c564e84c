import { EventEmitter } from 'node:events';
import net from 'node:net';
import {
  DeviceDisconnectedError,
  DeviceNotFoundError,
  DeviceTimeoutError,
  ProtocolError,
  UsbmuxRequestError,
  UsbmuxUnavailableError,
} from '../errors';
import { decodePlistDict, isPlistDict, encodePlist, type PlistDict } from '../plist';
import {
  byteSwapPort,
  encodeUsbmuxFrame,
  formatUsbmuxAddress,
  resolveUsbmuxAddress,
  usbmuxRequest,
  UsbmuxFrameDecoder,
  UsbmuxResult,
  type UsbmuxAddress,
  type UsbmuxFrame,
} from './protocol';
import { connectDirectRead } from './direct-read-socket';

/** One phone as usbmuxd lists it. The same phone may appear twice (USB and Network). */
export interface UsbmuxDevice {
  /** usbmuxd's handle for this attachment; changes on every plug-in. */
  deviceId: number;
  /** The phone's UDID (usbmuxd's SerialNumber, dashed after 8 characters when 24 long). */
  udid: string;
  connectionType: 'USB' | 'Network';
  productId?: number;
  locationId?: number;
  connectionSpeed?: number;
}

export interface UsbmuxClientOptions {
  /** `UNIX:/path`, `host:port`, or a parsed address; default from USBMUXD_SOCKET_ADDRESS / OS. */
  address?: UsbmuxAddress | string;
  /** How long one request may wait for its reply (libusbmuxd uses 5 s). */
  timeoutMs?: number;
}

/** Events of a Listen connection: hot-plug without polling. */
export interface UsbmuxListenerEvents {
  attached: [UsbmuxDevice];
  detached: [number];
  paired: [number];
  /** The usbmuxd connection ended (`error` set when it failed). */
  close: [Error | undefined];
}

/** A live Listen subscription. Call close() to stop it. */
export class UsbmuxListener extends EventEmitter<UsbmuxListenerEvents> {
  constructor(private readonly socket: net.Socket) {
    super();
  }
  close(): void {
    this.socket.destroy();
  }
}

/**
 * A client of usbmuxd (Linux usbmuxd, Apple's on macOS/Windows, or our simulator). Each
 * request uses its own socket, as libusbmuxd does; Connect hands back the socket itself.
 */
export class UsbmuxClient {
  readonly address: UsbmuxAddress;
  private readonly timeoutMs: number;
  private nextTag = 1;

  constructor(options: UsbmuxClientOptions = {}) {
    this.address =
      typeof options.address === 'string'
        ? resolveUsbmuxAddress(options.address)
        : (options.address ?? resolveUsbmuxAddress());
    this.timeoutMs = options.timeoutMs ?? 5000;
  }

  /** Every attachment usbmuxd knows, USB and Network alike. */
  async listDevices(signal?: AbortSignal): Promise<UsbmuxDevice[]> {
    const reply = await this.request(usbmuxRequest('ListDevices'), signal);
    const list = reply.body.DeviceList;
    if (!Array.isArray(list)) throw resultOrProtocolError('ListDevices', reply.body);
    return list.flatMap((entry) => {
      const device = isPlistDict(entry) ? parseDeviceProperties(entry.Properties) : undefined;
      return device ? [device] : [];
    });
  }

  /** Subscribes to Attached / Detached / Paired events. Devices already attached are announced first. */
  async listen(signal?: AbortSignal): Promise<UsbmuxListener> {
    const { socket, decoder, frames } = await this.exchange(usbmuxRequest('Listen'), signal, true);
    const first = frames.shift()!;
    const result = first.body.Number;
    if (first.body.MessageType !== 'Result' || result !== UsbmuxResult.OK) {
      socket.destroy();
      throw resultOrProtocolError('Listen', first.body);
    }
    const listener = new UsbmuxListener(socket);
    const dispatch = (frame: UsbmuxFrame) => {
      const body = frame.body;
      if (body.MessageType === 'Attached') {
        const device = parseDeviceProperties(body.Properties);
        if (device) listener.emit('attached', device);
      } else if (body.MessageType === 'Detached' && typeof body.DeviceID === 'number') {
        listener.emit('detached', body.DeviceID);
      } else if (body.MessageType === 'Paired' && typeof body.DeviceID === 'number') {
        listener.emit('paired', body.DeviceID);
      }
    };
    let failure: Error | undefined;
    socket.on('error', (error) => (failure ??= error));
    socket.on('close', () => listener.emit('close', failure));
    // Deliver once the caller has attached its handlers (after the await that returns the
    // listener), in order: the frames that came with the Result first, then the live stream.
    setImmediate(() => {
      frames.forEach(dispatch);
      socket.on('data', (chunk: Buffer) => {
        try {
          decoder.push(chunk).forEach(dispatch);
        } catch (error) {
          failure = error as Error;
          socket.destroy();
        }
      });
      socket.resume();
    });
    signal?.addEventListener('abort', () => socket.destroy(), { once: true });
    return listener;
  }

  /**
   * Opens a raw pipe to a TCP port on the phone (e.g. lockdownd's 62078). Resolves once
   * usbmuxd says OK; from then on the socket carries the service's own bytes.
   * With `directRead`, the socket is a direct-read socket (usbmux/direct-read-socket.ts): an
   * ordinary stream until a client such as AfcConnection takes over its reads.
   */
  async connect(
    device: UsbmuxDevice | number,
    port: number,
    signal?: AbortSignal,
    options: { directRead?: boolean } = {},
  ): Promise<net.Socket> {
    const deviceId = typeof device === 'number' ? device : device.deviceId;
    const request = usbmuxRequest('Connect', { DeviceID: deviceId, PortNumber: byteSwapPort(port) });
    const { socket, decoder, frames } = await this.exchange(request, signal, true, options.directRead);
    const reply = frames.shift()!;
    if (reply.body.MessageType !== 'Result' || reply.body.Number !== UsbmuxResult.OK) {
      socket.destroy();
      // BADDEV on Connect: the phone was unplugged between listing and connecting.
      if (reply.body.Number === UsbmuxResult.BAD_DEVICE)
        throw new DeviceDisconnectedError('The iPhone is no longer attached.');
      throw resultOrProtocolError(`Connect to port ${port}`, reply.body);
    }
    // Bytes after the Result already belong to the service: hand them back to the stream.
    const rest = decoder.takeRest();
    if (frames.length > 0) {
      socket.destroy();
      throw new ProtocolError('usbmuxd sent more frames after the Connect result');
    }
    if (rest.length > 0) socket.unshift(rest);
    // Back to the initial "no consumer yet" state: the caller's first 'data' listener, pipe()
    // or async iterator starts the flow, and no byte is lost before it is attached.
    (socket as { readableFlowing: boolean | null }).readableFlowing = null;
    return socket;
  }

  /** The host's SystemBUID, which goes into pair records and StartSession. */
  async readBuid(signal?: AbortSignal): Promise<string> {
    const reply = await this.request(usbmuxRequest('ReadBUID'), signal);
    if (typeof reply.body.BUID !== 'string') throw resultOrProtocolError('ReadBUID', reply.body);
    return reply.body.BUID;
  }

  /** The pair record stored for a phone, or undefined when there is none. Holds private keys: never log it. */
  async readPairRecord(udid: string, signal?: AbortSignal): Promise<PlistDict | undefined> {
    const reply = await this.request(usbmuxRequest('ReadPairRecord', { PairRecordID: udid }), signal);
    const data = reply.body.PairRecordData;
    if (Buffer.isBuffer(data)) return decodePlistDict(data);
    // Pair-record commands answer errno values: ENOENT (2) means no record.
    if (reply.body.MessageType === 'Result' && typeof reply.body.Number === 'number' && reply.body.Number !== 0)
      return undefined;
    throw new ProtocolError('usbmuxd answered ReadPairRecord without PairRecordData');
  }

  /** Stores a pair record with usbmuxd (which then sends a Paired event). */
  async savePairRecord(udid: string, deviceId: number, record: PlistDict, signal?: AbortSignal): Promise<void> {
    const body = usbmuxRequest('SavePairRecord', {
      PairRecordID: udid,
      PairRecordData: encodePlist(record),
      DeviceID: deviceId,
    });
    const reply = await this.request(body, signal);
    if (reply.body.MessageType !== 'Result' || reply.body.Number !== 0)
      throw resultOrProtocolError('SavePairRecord', reply.body);
  }

  /** Forgets a pair record (used when the phone revoked it). */
  async deletePairRecord(udid: string, signal?: AbortSignal): Promise<void> {
    const reply = await this.request(usbmuxRequest('DeletePairRecord', { PairRecordID: udid }), signal);
    if (reply.body.MessageType !== 'Result') throw resultOrProtocolError('DeletePairRecord', reply.body);
  }

  /** One request, one reply, socket closed. */
  private async request(body: PlistDict, signal?: AbortSignal): Promise<UsbmuxFrame> {
    const { socket, frames } = await this.exchange(body, signal, false);
    socket.destroy();
    return frames[0]!;
  }

  /**
   * Opens a socket, sends one frame and waits for the first reply frame. With `keep`, the
   * socket stays open and paused-free for the caller; frames decoded with the reply are returned.
   */
  private exchange(
    body: PlistDict,
    signal: AbortSignal | undefined,
    keep: boolean,
    directRead = false,
  ): Promise<{ socket: net.Socket; decoder: UsbmuxFrameDecoder; frames: UsbmuxFrame[] }> {
    const tag = this.nextTag++;
    const where = formatUsbmuxAddress(this.address);
    return new Promise((resolve, reject) => {
      signal?.throwIfAborted();
      const target =
        this.address.kind === 'unix'
          ? { path: this.address.path }
          : { port: this.address.port, host: this.address.host };
      const socket = directRead ? connectDirectRead(target) : net.connect(target);
      const decoder = new UsbmuxFrameDecoder();
      let settled = false;
      const finish = (error: Error | undefined, frames?: UsbmuxFrame[]) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        socket.off('data', onData);
        socket.off('error', onError);
        socket.off('close', onClose);
        if (error) {
          socket.destroy();
          reject(error);
        } else {
          if (keep) socket.pause();
          resolve({ socket, decoder, frames: frames! });
        }
      };
      const onAbort = () => finish(signal!.reason instanceof Error ? signal!.reason : new Error('cancelled'));
      const onData = (chunk: Buffer) => {
        try {
          const frames = decoder.push(chunk);
          const replyIndex = frames.findIndex((f) => f.tag === tag);
          if (replyIndex >= 0) finish(undefined, frames.slice(replyIndex));
        } catch (error) {
          finish(error as Error);
        }
      };
      const onError = (error: NodeJS.ErrnoException) => {
        finish(new UsbmuxUnavailableError(where, { cause: error }));
      };
      const onClose = () =>
        finish(
          new UsbmuxUnavailableError(where, { cause: new Error('usbmuxd closed the connection before answering') }),
        );
      const timer = setTimeout(
        () => finish(new DeviceTimeoutError(`usbmuxd ${String(body.MessageType)}`)),
        this.timeoutMs,
      );
      signal?.addEventListener('abort', onAbort, { once: true });
      socket.on('data', onData);
      socket.on('error', onError);
      socket.on('close', onClose);
      socket.once('connect', () => {
        socket.write(encodeUsbmuxFrame(body, tag));
      });
    });
  }
}

/** Turns an `Attached` record's Properties into a UsbmuxDevice, or undefined when unusable. */
export function parseDeviceProperties(properties: unknown): UsbmuxDevice | undefined {
  if (!isPlistDict(properties)) return undefined;
  const { DeviceID, SerialNumber, ConnectionType } = properties;
  if (typeof DeviceID !== 'number' || typeof SerialNumber !== 'string' || SerialNumber === '') return undefined;
  if (ConnectionType !== 'USB' && ConnectionType !== 'Network') return undefined;
  const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
  return {
    deviceId: DeviceID,
    udid: sanitizeUdid(SerialNumber),
    connectionType: ConnectionType,
    productId: num(properties.ProductID),
    locationId: num(properties.LocationID),
    connectionSpeed: num(properties.ConnectionSpeed),
  };
}

/** Newer phones have 24-character UDIDs that usbmuxd reports without their dash (libusbmuxd's sanitize_udid). */
export function sanitizeUdid(serial: string): string {
  return serial.length === 24 && !serial.includes('-') ? `${serial.slice(0, 8)}-${serial.slice(8)}` : serial;
}

/** One entry per UDID, USB preferred over Network (the cable is faster and can pair). */
export function preferUsb(devices: UsbmuxDevice[]): UsbmuxDevice[] {
  const byUdid = new Map<string, UsbmuxDevice>();
  for (const device of devices) {
    const known = byUdid.get(device.udid);
    if (!known || (known.connectionType === 'Network' && device.connectionType === 'USB'))
      byUdid.set(device.udid, device);
  }
  return [...byUdid.values()];
}

/** Picks the attachment to use for a UDID (or the only phone), USB first. */
export function pickDevice(devices: UsbmuxDevice[], udid?: string): UsbmuxDevice {
  const candidates = preferUsb(devices).filter((d) => udid === undefined || d.udid === udid);
  if (candidates.length === 0) throw new DeviceNotFoundError(udid);
  return candidates[0]!;
}

function resultOrProtocolError(request: string, body: PlistDict): Error {
  if (body.MessageType === 'Result' && typeof body.Number === 'number')
    return new UsbmuxRequestError(request, body.Number);
  return new ProtocolError(`usbmuxd gave an unexpected answer to ${request}`);
}
