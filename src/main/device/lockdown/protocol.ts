import {
  DeviceLockedError,
  LockdownError,
  PairingNeedsUsbError,
  PairingRevokedError,
  ProtocolError,
  TrustPendingError,
  UserDeniedPairingError,
  type DeviceError,
} from '../errors';
import { decodePlistDict, encodePlist, type PlistDict } from '../plist';

/**
 * lockdownd framing (shared by our client and the simulator's lockdownd): a uint32
 * big-endian length, then a plist (XML from us; the phone may answer binary `bplist00`).
 * The same framing carries every "property list service".
 */
export const LOCKDOWN_LENGTH_SIZE = 4;
/** Largest message we accept; the biggest real answer (GetValue of every key) is tens of KiB. */
export const LOCKDOWN_MAX_FRAME = 4 * 1024 * 1024;
export const LOCKDOWN_PROTOCOL_VERSION = '2';
export const LOCKDOWN_SERVICE_TYPE = 'com.apple.mobile.lockdown';

export function encodeLockdownFrame(body: PlistDict): Buffer {
  const payload = encodePlist(body);
  const head = Buffer.alloc(LOCKDOWN_LENGTH_SIZE);
  head.writeUInt32BE(payload.length, 0);
  return Buffer.concat([head, payload]);
}

/**
 * Incremental decoder with a frame cap: a lying length is refused before anything is
 * buffered for it, and a body that is not a plist dictionary throws ProtocolError.
 */
export class LockdownFrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(private readonly maxFrame = LOCKDOWN_MAX_FRAME) {}

  get pending(): number {
    return this.buffered;
  }

  push(chunk: Buffer): PlistDict[] {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const messages: PlistDict[] = [];
    while (this.buffered >= LOCKDOWN_LENGTH_SIZE) {
      if (this.chunks[0]!.length < LOCKDOWN_LENGTH_SIZE) this.chunks = [Buffer.concat(this.chunks)];
      const length = this.chunks[0]!.readUInt32BE(0);
      if (length === 0) throw new ProtocolError('lockdown message of length 0');
      if (length > this.maxFrame)
        throw new ProtocolError(`lockdown message of ${length} bytes is over the ${this.maxFrame}-byte limit`);
      if (this.buffered < LOCKDOWN_LENGTH_SIZE + length) break;
      const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
      const end = LOCKDOWN_LENGTH_SIZE + length;
      this.chunks = all.length > end ? [all.subarray(end)] : [];
      this.buffered -= end;
      messages.push(decodePlistDict(all.subarray(LOCKDOWN_LENGTH_SIZE, end), { maxBytes: this.maxFrame }));
    }
    return messages;
  }
}

/** A lockdown request with the fields every request carries. */
export function lockdownRequest(request: string, label: string, fields: PlistDict = {}): PlistDict {
  return { Label: label, ProtocolVersion: LOCKDOWN_PROTOCOL_VERSION, Request: request, ...fields };
}

/**
 * Maps lockdownd's `Error` string to the typed error a user understands. Sources:
 * libimobiledevice lockdown.c's error table and pymobiledevice3's lockdown exceptions.
 */
export function lockdownErrorFor(error: string, request: string): DeviceError {
  switch (error) {
    case 'PasswordProtected':
      return new DeviceLockedError(`The iPhone is locked, so it refused ${request}.`);
    case 'PairingDialogResponsePending':
      return new TrustPendingError();
    case 'UserDeniedPairing':
      return new UserDeniedPairingError();
    case 'InvalidHostID':
      // The phone does not know our HostID: it forgot this computer (or never knew it).
      return new PairingRevokedError();
    case 'PairingProhibitedOverThisConnection':
      return new PairingNeedsUsbError();
    default:
      return new LockdownError(error, request);
  }
}
