import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DeviceLockedError,
  LockdownError,
  PairingRevokedError,
  PlistError,
  ProtocolError,
  TrustPendingError,
  UserDeniedPairingError,
} from '../../../../src/main/device/errors';
import {
  encodeLockdownFrame,
  LockdownFrameDecoder,
  lockdownErrorFor,
} from '../../../../src/main/device/lockdown/protocol';

const BINARY_REPLY = Buffer.from(
  'YnBsaXN0MDDSAQIDBFdSZXF1ZXN0VVZhbHVlWEdldFZhbHVl2wUGBwgJCgsMDQ4PEBESExQaGxwdHh9TQmlnVEJsb2JaRGV2aWNlTmFtZVVFbXB0eVRMaXN0U05lZ1NPZmZST25SUGlVU21hbGxUV2hlbhMQAAAAAAAAB08QFAABAgMEBQYHCAkKCwwNDg8QERITbgDFAHMAZSAZAHMAIABpAFAAaABvAG4AZQAgJxNQpBUWFxkQAVN0d2+hGBAD0BP/////////+wgJI0AKAAAAAAAAECozQcX7wrqAAAAIDRUbJDs/RE9VWl5iZWhuc3yTsLG2uLy+wMHKy8zV1wAAAAAAAAEBAAAAAAAAACAAAAAAAAAAAAAAAAAAAADg',
  'base64',
);

function lengthPrefix(length: number): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(length >>> 0, 0);
  return head;
}

describe('lockdown frames', () => {
  it('writes a big-endian length before the plist', () => {
    const frame = encodeLockdownFrame({ Request: 'QueryType' });
    expect(frame.readUInt32BE(0)).toBe(frame.length - 4);
  });

  it('decodes XML and binary replies split anywhere', () => {
    const binary = Buffer.concat([lengthPrefix(BINARY_REPLY.length), BINARY_REPLY]);
    const stream = Buffer.concat([
      encodeLockdownFrame({ Request: 'QueryType', Type: 'com.apple.mobile.lockdown' }),
      binary,
    ]);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: stream.length - 1 }), (cut) => {
        const decoder = new LockdownFrameDecoder();
        const messages = [...decoder.push(stream.subarray(0, cut)), ...decoder.push(stream.subarray(cut))];
        expect(messages).toHaveLength(2);
        expect(messages[0]!.Type).toBe('com.apple.mobile.lockdown');
        expect(messages[1]!.Request).toBe('GetValue');
      }),
    );
  });

  it('refuses a lying length before buffering anything for it', () => {
    const decoder = new LockdownFrameDecoder();
    expect(() => decoder.push(Buffer.concat([lengthPrefix(0xffff_ffff), Buffer.alloc(10)]))).toThrow(ProtocolError);
    expect(() => new LockdownFrameDecoder().push(lengthPrefix(0))).toThrow(/length 0/);
  });

  it('refuses invalid plists and non-dictionary bodies with typed errors', () => {
    const junk = Buffer.from('<plist><dict><key>x</key>');
    expect(() => new LockdownFrameDecoder().push(Buffer.concat([lengthPrefix(junk.length), junk]))).toThrow(PlistError);
    const array = Buffer.from('<plist><array><true/></array></plist>');
    expect(() => new LockdownFrameDecoder().push(Buffer.concat([lengthPrefix(array.length), array]))).toThrow(
      /not a dictionary/,
    );
  });

  it('throws only ProtocolError on arbitrary and mutated frames', () => {
    const valid = encodeLockdownFrame({ Request: 'StartSession', SessionID: 'ABC', EnableSessionSSL: true });
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
          fc
            .array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 })
            .map((edits) => {
              const copy = Buffer.from(valid);
              for (const [at, byte] of edits) copy[at] = byte;
              return copy;
            }),
        ),
        (input) => {
          const decoder = new LockdownFrameDecoder(64 * 1024);
          try {
            decoder.push(input);
          } catch (error) {
            expect(error).toBeInstanceOf(ProtocolError);
          }
          expect(decoder.pending).toBeLessThanOrEqual(input.length);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('lockdown errors', () => {
  it('tells the user what to do for each state', () => {
    const locked = lockdownErrorFor('PasswordProtected', 'Pair');
    expect(locked).toBeInstanceOf(DeviceLockedError);
    expect(locked.code).toBe('device.locked');
    expect(locked.hint).toMatch(/Unlock your iPhone/);

    const pending = lockdownErrorFor('PairingDialogResponsePending', 'Pair');
    expect(pending).toBeInstanceOf(TrustPendingError);
    expect(pending.hint).toMatch(/tap "Trust"/);

    const denied = lockdownErrorFor('UserDeniedPairing', 'Pair');
    expect(denied).toBeInstanceOf(UserDeniedPairingError);
    expect(denied.message).toMatch(/Don't Trust/);

    const revoked = lockdownErrorFor('InvalidHostID', 'StartSession');
    expect(revoked).toBeInstanceOf(PairingRevokedError);
    expect(revoked.message).toMatch(/forgot this computer/);
    expect(revoked.hint).toMatch(/Pairing again/);

    const other = lockdownErrorFor('ServiceLimit', 'StartService');
    expect(other).toBeInstanceOf(LockdownError);
    expect(other.message).toContain('ServiceLimit');
  });
});
