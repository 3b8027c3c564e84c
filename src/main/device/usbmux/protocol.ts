import { ProtocolError } from '../errors';
import { decodePlistDict, encodePlist, type PlistDict } from '../plist';

/**
 * The usbmuxd wire format (shared by our client and the simulator's usbmuxd).
 *
 * A frame is a 16-byte header of four little-endian uint32 (length including the header,
 * version, message type, tag) and a body. We speak version 1 (plist bodies, message 8) only,
 * as libusbmuxd does first; replies echo the request's tag, events carry tag 0.
 */
export const USBMUX_HEADER_SIZE = 16;
export const USBMUX_VERSION_PLIST = 1;
export const USBMUX_MESSAGE_PLIST = 8;
/** Largest frame we accept. Real messages are a few KiB (a pair record is ~10 KiB). */
export const USBMUX_MAX_FRAME = 1024 * 1024;

/** Result numbers usbmuxd puts in `{MessageType: "Result", Number}`. */
export const UsbmuxResult = {
  OK: 0,
  BAD_COMMAND: 1,
  BAD_DEVICE: 2,
  CONNECTION_REFUSED: 3,
  BAD_VERSION: 6,
} as const;

/** lockdownd's TCP port on the phone. */
export const LOCKDOWN_PORT = 62078;

export interface UsbmuxFrame {
  version: number;
  message: number;
  tag: number;
  body: PlistDict;
}

/** Encodes one plist frame. */
export function encodeUsbmuxFrame(body: PlistDict, tag: number): Buffer {
  const payload = encodePlist(body);
  const header = Buffer.alloc(USBMUX_HEADER_SIZE);
  header.writeUInt32LE(USBMUX_HEADER_SIZE + payload.length, 0);
  header.writeUInt32LE(USBMUX_VERSION_PLIST, 4);
  header.writeUInt32LE(USBMUX_MESSAGE_PLIST, 8);
  header.writeUInt32LE(tag >>> 0, 12);
  return Buffer.concat([header, payload]);
}

/** Reads a header without trusting it: the caller checks the length before buffering. */
export function readUsbmuxHeader(buf: Buffer): { length: number; version: number; message: number; tag: number } {
  return {
    length: buf.readUInt32LE(0),
    version: buf.readUInt32LE(4),
    message: buf.readUInt32LE(8),
    tag: buf.readUInt32LE(12),
  };
}

/**
 * Incremental decoder: push bytes as they arrive, get whole frames out. A header that lies
 * (length under 16 or over the cap, wrong version or message type) or a body that is not a
 * plist dictionary throws ProtocolError; the decoder never buffers more than one frame.
 */
export class UsbmuxFrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(private readonly maxFrame = USBMUX_MAX_FRAME) {}

  /** Bytes held that do not yet make a whole frame. */
  get pending(): number {
    return this.buffered;
  }

  push(chunk: Buffer): UsbmuxFrame[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: UsbmuxFrame[] = [];
    for (;;) {
      if (this.buffered < USBMUX_HEADER_SIZE) break;
      const head = this.peek(USBMUX_HEADER_SIZE);
      const header = readUsbmuxHeader(head);
      if (header.length < USBMUX_HEADER_SIZE)
        throw new ProtocolError(`usbmux frame length ${header.length} is shorter than its header`);
      if (header.length > this.maxFrame) {
        throw new ProtocolError(`usbmux frame of ${header.length} bytes is over the ${this.maxFrame}-byte limit`);
      }
      if (header.version !== USBMUX_VERSION_PLIST)
        throw new ProtocolError(`usbmux protocol version ${header.version} is not supported`);
      if (header.message !== USBMUX_MESSAGE_PLIST)
        throw new ProtocolError(`usbmux message type ${header.message} is not a plist message`);
      if (this.buffered < header.length) break;
      const frame = this.take(header.length);
      const body = decodePlistDict(frame.subarray(USBMUX_HEADER_SIZE), { maxBytes: this.maxFrame });
      frames.push({ version: header.version, message: header.message, tag: header.tag, body });
    }
    return frames;
  }

  /** Everything buffered after the last frame (bytes of a raw connection that followed the Result). */
  takeRest(): Buffer {
    const rest = Buffer.concat(this.chunks);
    this.chunks = [];
    this.buffered = 0;
    return rest;
  }

  private peek(n: number): Buffer {
    if (this.chunks[0]!.length < n) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!.subarray(0, n);
  }

  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    this.chunks = all.length > n ? [all.subarray(n)] : [];
    this.buffered -= n;
    return all.subarray(0, n);
  }
}

/** Where usbmuxd listens: a UNIX socket path or a TCP host/port. */
export type UsbmuxAddress = { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number };

/**
 * Parses `USBMUXD_SOCKET_ADDRESS` (`UNIX:/path`, `host:port`, `[v6]:port`) as libusbmuxd and
 * pymobiledevice3 do; without it, the OS default (`/var/run/usbmuxd`, TCP 27015 on Windows).
 */
export function resolveUsbmuxAddress(
  value: string | undefined = process.env.USBMUXD_SOCKET_ADDRESS,
  platform: NodeJS.Platform = process.platform,
): UsbmuxAddress {
  const text = value?.trim();
  if (!text)
    return platform === 'win32'
      ? { kind: 'tcp', host: '127.0.0.1', port: 27015 }
      : { kind: 'unix', path: '/var/run/usbmuxd' };
  if (/^unix:/i.test(text)) {
    const path = text.slice(5);
    if (!path) throw new ProtocolError('USBMUXD_SOCKET_ADDRESS "UNIX:" has no path');
    return { kind: 'unix', path };
  }
  const match = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:]+):(\d+)$/.exec(text);
  const port = match ? Number(match[2]) : NaN;
  if (!match || port < 1 || port > 65535) {
    throw new ProtocolError(`USBMUXD_SOCKET_ADDRESS "${text}" is neither UNIX:/path nor host:port`);
  }
  return { kind: 'tcp', host: match[1]!, port };
}

export function formatUsbmuxAddress(address: UsbmuxAddress): string {
  if (address.kind === 'unix') return `UNIX:${address.path}`;
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

/** usbmuxd wants the port in network byte order read as a host integer: htons(62078) = 32498. */
export function byteSwapPort(port: number): number {
  return ((port & 0xff) << 8) | ((port >> 8) & 0xff);
}

/** How usbmuxd describes an attached phone (the `Properties` of an `Attached` record). */
export interface UsbmuxDeviceProperties {
  DeviceID: number;
  SerialNumber: string;
  ConnectionType: 'USB' | 'Network';
  ProductID?: number;
  LocationID?: number;
  ConnectionSpeed?: number;
  NetworkAddress?: Buffer;
  EscapedFullServiceName?: string;
  InterfaceIndex?: number;
}

/** Builds a request body with the fields every client sends (as libusbmuxd does). */
export function usbmuxRequest(messageType: string, fields: PlistDict = {}): PlistDict {
  return {
    MessageType: messageType,
    ClientVersionString: 'rollkeeper-usbmux',
    ProgName: 'rollkeeper',
    kLibUSBMuxVersion: 3,
    ...fields,
  };
}
