import { describe, expect, it } from 'vitest';
import { DeviceNotFoundError } from '../../../../src/main/device/errors';
import {
  parseDeviceProperties,
  pickDevice,
  preferUsb,
  sanitizeUdid,
  type UsbmuxDevice,
} from '../../../../src/main/device/usbmux/client';

const usb: UsbmuxDevice = { deviceId: 3, udid: '00008120-0011223344556677', connectionType: 'USB' };
const wifi: UsbmuxDevice = { deviceId: 4, udid: '00008120-0011223344556677', connectionType: 'Network' };
const other: UsbmuxDevice = {
  deviceId: 5,
  udid: 'abcdef0123456789abcdef0123456789abcdef01',
  connectionType: 'Network',
};

describe('usbmux device records', () => {
  it('keys phones by UDID and prefers USB over Wi-Fi whatever the order', () => {
    expect(preferUsb([wifi, usb, other])).toEqual([usb, other]);
    expect(preferUsb([usb, wifi])).toEqual([usb]);
    expect(pickDevice([wifi, usb], usb.udid)).toBe(usb);
    expect(pickDevice([other])).toBe(other);
    expect(() => pickDevice([other], usb.udid)).toThrow(DeviceNotFoundError);
    expect(() => pickDevice([])).toThrow(/No iPhone/);
  });

  it('adds the dash usbmuxd leaves out of 24-character UDIDs', () => {
    expect(sanitizeUdid('000081200011223344556677')).toBe('00008120-0011223344556677');
    expect(sanitizeUdid('00008120-0011223344556677')).toBe('00008120-0011223344556677');
    expect(sanitizeUdid('abcdef0123456789abcdef0123456789abcdef01')).toBe('abcdef0123456789abcdef0123456789abcdef01');
  });

  it('reads Attached properties and ignores records it cannot use', () => {
    expect(
      parseDeviceProperties({
        DeviceID: 9,
        SerialNumber: '000081200011223344556677',
        ConnectionType: 'USB',
        ProductID: 0x12a8,
        LocationID: 1,
      }),
    ).toEqual({
      deviceId: 9,
      udid: '00008120-0011223344556677',
      connectionType: 'USB',
      productId: 0x12a8,
      locationId: 1,
      connectionSpeed: undefined,
    });
    expect(parseDeviceProperties({ DeviceID: 9, SerialNumber: 'x', ConnectionType: 'Bluetooth' })).toBeUndefined();
    expect(parseDeviceProperties({ DeviceID: '9', SerialNumber: 'x', ConnectionType: 'USB' })).toBeUndefined();
    expect(parseDeviceProperties('nope')).toBeUndefined();
  });
});
