import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodePlist } from '../../../src/main/device/plist';
import { StateStore } from '../../../src/simulator/state-store';
import { hostileFrame, type UsbmuxHostileMode } from '../../../src/simulator/usbmuxd-connection';
import { ProtocolError } from '../../../src/main/device/errors';
import { UsbmuxFrameDecoder } from '../../../src/main/device/usbmux/protocol';

const dir = mkdtempSync(path.join(os.tmpdir(), 'rollkeeper-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('simulator state store', () => {
  it('keeps one SystemBUID and pair records readable only by the owner', () => {
    const a = new StateStore(dir);
    const buid = a.systemBuid();
    expect(new StateStore(dir).systemBuid()).toBe(buid);
    a.savePairRecord('00008120-0000000000000001', encodePlist({ HostID: 'H' }));
    expect(a.readPairRecord('00008120-0000000000000001')?.toString()).toContain('<string>H</string>');
    expect(statSync(path.join(dir, '00008120-0000000000000001.plist')).mode & 0o077).toBe(0);
    expect(a.deletePairRecord('00008120-0000000000000001')).toBe(true);
    expect(a.readPairRecord('00008120-0000000000000001')).toBeUndefined();
  });

  it('refuses UDIDs that would escape the folder and records that are not plists', () => {
    const store = new StateStore(dir);
    const before = readdirSync(path.dirname(dir)).length;
    expect(() => store.savePairRecord('../../escape', encodePlist({}))).toThrow(/not a UDID/);
    expect(() => store.savePairRecord('ok-udid', Buffer.from('garbage'))).toThrow(ProtocolError);
    expect(readdirSync(path.dirname(dir)).length).toBe(before);
  });
});

describe('hostile usbmuxd frames', () => {
  it.each<UsbmuxHostileMode>([
    'bad-version',
    'bad-message-type',
    'short-length',
    'huge-length',
    'invalid-plist',
    'not-a-dict',
  ])('%s is refused by our decoder with a typed error', (mode) => {
    expect(() => new UsbmuxFrameDecoder().push(hostileFrame(mode, 1))).toThrow(ProtocolError);
  });
  it('truncated stays pending (the caller times out)', () => {
    const decoder = new UsbmuxFrameDecoder();
    expect(decoder.push(hostileFrame('truncated', 1))).toEqual([]);
  });
});
