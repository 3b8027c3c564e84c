import { RollkeeperError } from '../../shared/errors';

/**
 * Errors of the device layer (usbmux, lockdown, services, sessions). Each has a stable `code`
 * under `device.` and a hint that tells the user what to do. Other device folders (afc/)
 * subclass DeviceError or reuse these.
 */
export class DeviceError extends RollkeeperError {
  override name = 'DeviceError';
}

/** The phone went away (cable pulled, detached, connection reset) while something was pending. */
export class DeviceDisconnectedError extends DeviceError {
  override name = 'DeviceDisconnectedError';
  constructor(detail = 'The iPhone was disconnected.', options?: { cause?: unknown }) {
    super('device.disconnected', detail, 'Reconnect the iPhone with the cable and try again.', options);
  }
}

/** usbmuxd (or Apple Mobile Device Service on Windows) cannot be reached. */
export class UsbmuxUnavailableError extends DeviceError {
  override name = 'UsbmuxUnavailableError';
  constructor(address: string, options?: { cause?: unknown }) {
    super(
      'device.usbmux-unavailable',
      `Cannot reach the iPhone connection service at ${address}.`,
      'Is iTunes/Apple Devices (Windows) or usbmuxd (Linux) running? On macOS it is built in; on Linux install and start usbmuxd.',
      options,
    );
  }
}

/** A peer sent bytes that do not follow the protocol (bad magic, lying length, invalid plist). */
export class ProtocolError extends DeviceError {
  override name = 'ProtocolError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(
      'device.protocol',
      message,
      'Unplug and reconnect the iPhone; if it keeps happening, restart usbmuxd (or Apple Devices) and report it.',
      options,
    );
  }
}

/** A plist could not be decoded or encoded (also thrown for hostile input: too deep, too big). */
export class PlistError extends ProtocolError {
  override name = 'PlistError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(`Invalid property list: ${message}`, options);
  }
}

/** usbmuxd answered a request with a failure result (e.g. connection refused by the device). */
export class UsbmuxRequestError extends DeviceError {
  override name = 'UsbmuxRequestError';
  constructor(
    readonly request: string,
    readonly result: number,
    options?: { cause?: unknown },
  ) {
    super(
      result === 3 ? 'device.connection-refused' : result === 2 ? 'device.not-found' : 'device.usbmux-request',
      result === 3
        ? `The iPhone refused the connection (${request}).`
        : result === 2
          ? `The iPhone is no longer attached (${request}).`
          : `usbmuxd rejected ${request} (result ${result}).`,
      result === 2
        ? 'Reconnect the iPhone with the cable and try again.'
        : 'Unplug and reconnect the iPhone, then try again.',
      options,
    );
  }
}

/** No attached phone matches the requested UDID. */
export class DeviceNotFoundError extends DeviceError {
  override name = 'DeviceNotFoundError';
  constructor(udid?: string) {
    super(
      'device.not-found',
      udid ? `No iPhone with UDID ${udid} is attached.` : 'No iPhone is attached.',
      'Connect the iPhone with a cable, unlock it, and try again.',
    );
  }
}

/** The phone is locked with a passcode: lockdown refuses pairing and sessions. */
export class DeviceLockedError extends DeviceError {
  override name = 'DeviceLockedError';
  constructor(detail = 'The iPhone is locked.') {
    super('device.locked', detail, 'Unlock your iPhone with its passcode and keep it unlocked, then try again.');
  }
}

/** The "Trust This Computer?" dialog is showing on the phone and has not been answered yet. */
export class TrustPendingError extends DeviceError {
  override name = 'TrustPendingError';
  constructor(detail = 'The iPhone is waiting for you to trust this computer.') {
    super(
      'device.trust-pending',
      detail,
      'Unlock your iPhone and tap "Trust" on the "Trust This Computer?" dialog, then enter your passcode.',
    );
  }
}

/** The user tapped "Don't Trust". */
export class UserDeniedPairingError extends DeviceError {
  override name = 'UserDeniedPairingError';
  constructor() {
    super(
      'device.trust-denied',
      'You tapped "Don\'t Trust" on the iPhone.',
      'Unplug and reconnect the iPhone, then tap "Trust" when it asks. If it no longer asks, reset Location & Privacy in Settings > General > Transfer or Reset iPhone > Reset.',
    );
  }
}

/** The phone no longer knows our pair record (trust reset, restored, or another host record). */
export class PairingRevokedError extends DeviceError {
  override name = 'PairingRevokedError';
  constructor() {
    super(
      'device.pairing-revoked',
      'The iPhone forgot this computer.',
      'Pairing again: unlock the iPhone and tap "Trust" when it asks.',
    );
  }
}

/** The phone pairs only over the cable (lockdown PairingProhibitedOverThisConnection). */
export class PairingNeedsUsbError extends DeviceError {
  override name = 'PairingNeedsUsbError';
  constructor() {
    super(
      'device.pairing-needs-usb',
      'The iPhone can only be paired over a USB cable.',
      'Connect the iPhone with a cable and tap "Trust"; after that it also works over Wi-Fi.',
    );
  }
}

/** Lockdown answered with an error we have no better type for. */
export class LockdownError extends DeviceError {
  override name = 'LockdownError';
  constructor(
    readonly lockdownError: string,
    request: string,
  ) {
    super(
      'device.lockdown',
      `The iPhone refused ${request}: ${lockdownError}.`,
      'Unplug and reconnect the iPhone, unlock it, and try again.',
    );
  }
}

/** StartService failed (service missing, or refused while locked). */
export class ServiceUnavailableError extends DeviceError {
  override name = 'ServiceUnavailableError';
  constructor(service: string, reason: string) {
    super(
      'device.service-unavailable',
      `The iPhone did not start ${service}: ${reason}.`,
      'Unlock the iPhone and try again; if it persists, restart the iPhone.',
    );
  }
}

/** A request took too long: the phone or usbmuxd stopped answering. */
export class DeviceTimeoutError extends DeviceError {
  override name = 'DeviceTimeoutError';
  constructor(what: string) {
    super(
      'device.timeout',
      `The iPhone did not answer in time (${what}).`,
      'Unplug and reconnect the iPhone, unlock it, and try again.',
    );
  }
}
