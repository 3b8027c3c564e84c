import type { Device } from '../../../shared/contract';
import { formatStorage } from '../../../shared/format';
import { DeviceSession } from '../../device/device-session';
import { UsbmuxClient, type UsbmuxDevice } from '../../device/usbmux/client';
import { type Command, intOption } from '../command';

const STATE_LABELS: Record<Device['state'], string> = {
  connecting: 'connecting',
  ready: 'ready',
  'trust-pending': 'waiting for Trust',
  locked: 'locked',
  disconnected: 'disconnected',
  error: 'error',
};

export const devicesCommand: Command = {
  name: 'devices',
  summary: 'list the attached iPhones and whether they are ready',
  usage: [
    'Usage: rollkeeper devices [--wait SECONDS] [--json]',
    '',
    'Lists the iPhones attached over USB (or Wi-Fi) with name, model, iOS version, storage and state:',
    '  ready              trusted, unlocked: backups can run',
    '  waiting for Trust  the iPhone shows "Trust This Computer?": unlock it and tap Trust',
    '  locked             unlock the iPhone with its passcode',
    '  error              the line says what went wrong and what to do',
    '',
    'A phone that does not trust this computer yet is asked to (the dialog appears on it).',
    '',
    'Options:',
    '  --wait SECONDS   keep asking that long for the Trust tap (default 0: ask once)',
    '',
    'Honours USBMUXD_SOCKET_ADDRESS (UNIX:/path or host:port), e.g. for `rollkeeper simulate`.',
  ].join('\n'),
  options: { wait: { type: 'string' } },
  async run({ values }, ctx) {
    const waitSeconds = intOption(values.wait, 'wait', { max: 600 }) ?? 0;
    const usbmux = new UsbmuxClient();
    const attachments = await usbmux.listDevices(ctx.signal);
    const byUdid = new Map<string, UsbmuxDevice[]>();
    for (const device of attachments) byUdid.set(device.udid, [...(byUdid.get(device.udid) ?? []), device]);

    const devices: Device[] = [];
    for (const [, list] of byUdid) {
      const session = new DeviceSession(list[0]!, usbmux, { trustTimeoutMs: waitSeconds * 1000 });
      for (const extra of list.slice(1)) session.addAttachment(extra);
      const abort = () => session.disconnect();
      ctx.signal.addEventListener('abort', abort, { once: true });
      try {
        devices.push(await session.refresh());
      } finally {
        ctx.signal.removeEventListener('abort', abort);
        session.close();
      }
    }

    if (devices.length === 0) ctx.say('No iPhone is attached. Connect one with a cable and unlock it.');
    for (const device of devices) {
      ctx.emit({ event: 'device', ...device });
      ctx.say(describe(device));
    }
    ctx.emit({ event: 'summary', count: devices.length, ready: devices.filter((d) => d.state === 'ready').length });
    return 0;
  },
};

function describe(device: Device): string {
  const storage = device.storage
    ? `, ${formatStorage(device.storage.freeBytes)} free of ${formatStorage(device.storage.totalBytes)}`
    : '';
  const details = [
    device.model,
    device.iosVersion && `iOS ${device.iosVersion}`,
    device.connection === 'wifi' ? 'Wi-Fi' : 'USB',
  ]
    .filter(Boolean)
    .join(', ');
  const head = `${device.name || 'iPhone'} (${details}${storage})  ${device.udid}`;
  const state = `  ${STATE_LABELS[device.state]}${device.message ? `: ${device.message}` : ''}`;
  return `${head}\n${state}`;
}
