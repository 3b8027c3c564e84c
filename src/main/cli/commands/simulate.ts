import { statSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { PhoneSimulator } from '../../../simulator/phone-simulator';
import type { LockdownHostileMode, SimulatedPhone } from '../../../simulator/simulated-phone';
import type { UsbmuxHostileMode } from '../../../simulator/usbmuxd-connection';
import { type CliContext, type Command, intOption, UsageError } from '../command';

const LINKS = ['usb2', 'usb3', 'unlimited'] as const;
const USBMUX_HOSTILE: UsbmuxHostileMode[] = [
  'bad-version',
  'bad-message-type',
  'short-length',
  'huge-length',
  'truncated',
  'invalid-plist',
  'not-a-dict',
];
const LOCKDOWN_HOSTILE: LockdownHostileMode[] = [
  'huge-length',
  'zero-length',
  'invalid-plist',
  'truncated',
  'not-a-dict',
];

const STDIN_HELP = [
  'Commands (one a line; PHONE is a number from `list` or a UDID, default: every phone):',
  '  detach [PHONE]        pull the cable        attach [PHONE]   plug it back in',
  '  trust [PHONE]         tap "Trust"           deny [PHONE]     tap "Don\'t Trust"',
  '  lock [PHONE]          lock the phone        unlock [PHONE]   unlock it',
  '  revoke [PHONE]        the phone forgets every computer (Reset Location & Privacy)',
  '  add [NAME]            attach another phone over the same camera roll',
  '  hostile usbmux|lockdown MODE|off          send malformed frames',
  '  list                  show the phones       quit             stop',
].join('\n');

export const simulateCommand: Command = {
  name: 'simulate',
  summary: 'run a simulated iPhone (fake usbmuxd + lockdownd + AFC) over a folder',
  usage: [
    'Usage: rollkeeper simulate --camera-roll DIR [--socket PATH | --port N] [--udid ID] [--name NAME]',
    '                           [--ios VERSION] [--locked] [--untrusted] [--wifi] [--phones N]',
    '                           [--link usb2|usb3|unlimited] [--latency-ms N] [--state DIR]',
    '                           [--hostile usbmux:MODE|lockdown:MODE] [--json]',
    '',
    "Serves DIR as an iPhone's media root (/var/mobile/Media) behind a usbmuxd of its own, and prints",
    "the USBMUXD_SOCKET_ADDRESS to give Rollkeeper or libimobiledevice's tools (idevice_id, ideviceinfo…).",
    '',
    'Options:',
    '  --camera-roll DIR   the folder the phone serves (holds DCIM/)',
    '  --socket PATH       listen on this UNIX socket (default: a new temp folder)',
    '  --port N            listen on 127.0.0.1:N instead',
    "  --udid ID, --name NAME, --ios VERSION   the phone's identity",
    '  --locked            start locked with a passcode',
    '  --untrusted         start not trusting this computer: pairing asks for the Trust tap',
    '  --wifi              also list the phone as a Wi-Fi (Network) device',
    '  --phones N          attach N phones at once (default 1)',
    '  --link L            cable speed: usb2 (~35 MB/s), usb3, unlimited (default)',
    '  --latency-ms N      delay every reply by N ms',
    '  --state DIR         keep pair records and the host BUID here (default: temp, removed on exit)',
    `  --hostile L:MODE    answer with malformed frames: usbmux:${USBMUX_HOSTILE.join('|')}`,
    `                      or lockdown:${LOCKDOWN_HOSTILE.join('|')}`,
    '',
    STDIN_HELP,
  ].join('\n'),
  options: {
    'camera-roll': { type: 'string' },
    socket: { type: 'string' },
    port: { type: 'string' },
    udid: { type: 'string' },
    name: { type: 'string' },
    ios: { type: 'string' },
    locked: { type: 'boolean' },
    untrusted: { type: 'boolean' },
    wifi: { type: 'boolean' },
    phones: { type: 'string' },
    link: { type: 'string' },
    'latency-ms': { type: 'string' },
    state: { type: 'string' },
    hostile: { type: 'string' },
  },
  async run({ values }, ctx) {
    const roll = values['camera-roll'];
    if (typeof roll !== 'string') throw new UsageError('--camera-roll DIR is required');
    if (!isDirectory(roll)) throw new UsageError(`--camera-roll "${roll}" is not a folder`);
    if (values.socket !== undefined && values.port !== undefined)
      throw new UsageError('give --socket or --port, not both');
    const link = values.link ?? 'unlimited';
    if (!LINKS.includes(link as (typeof LINKS)[number]))
      throw new UsageError(`--link takes usb2, usb3 or unlimited, not "${String(link)}"`);
    const udid = values.udid;
    if (typeof udid === 'string' && !/^[A-Za-z0-9-]{1,64}$/.test(udid))
      throw new UsageError('--udid takes letters, digits and dashes');
    const phoneCount = intOption(values.phones, 'phones', { min: 1, max: 16 }) ?? 1;
    const hostile = typeof values.hostile === 'string' ? values.hostile.split(':') : undefined;
    if (hostile && !isHostile(hostile[0], hostile[1])) {
      throw new UsageError(
        `--hostile takes usbmux:${USBMUX_HOSTILE.join('|')} or lockdown:${LOCKDOWN_HOSTILE.join('|')}`,
      );
    }

    const sim = await PhoneSimulator.start({
      socketPath: typeof values.socket === 'string' ? path.resolve(values.socket) : undefined,
      port: intOption(values.port, 'port', { max: 65535 }),
      stateDir: typeof values.state === 'string' ? path.resolve(values.state) : undefined,
    });
    const base = {
      cameraRoll: path.resolve(roll),
      iosVersion: typeof values.ios === 'string' ? values.ios : undefined,
      locked: values.locked === true,
      untrusted: values.untrusted === true,
      wifi: values.wifi === true,
      link: link as (typeof LINKS)[number],
      latencyMs: intOption(values['latency-ms'], 'latency-ms', { max: 60_000 }),
    };
    const addPhone = (index: number, name?: string) => {
      const phone = sim.addPhone({
        ...base,
        udid: index === 0 && typeof udid === 'string' ? udid : undefined,
        name:
          name ??
          (index === 0 && typeof values.name === 'string'
            ? values.name
            : `Simulated iPhone${index ? ` ${index + 1}` : ''}`),
      });
      phone.on('changed', () => ctx.emit({ event: 'phone', ...describe(phone) }));
      return phone;
    };
    for (let i = 0; i < phoneCount; i++) addPhone(i);

    // The one line a script needs, on stdout in both modes.
    if (!ctx.json) ctx.stdout.write(`USBMUXD_SOCKET_ADDRESS=${sim.address}\n`);
    ctx.emit({ event: 'listening', usbmuxdSocketAddress: sim.address, phones: [...sim.phones].map(describe) });
    ctx.say(`Simulating ${sim.phones.size} iPhone(s):`);
    listPhones(sim, ctx);
    if (hostile) runLine(`hostile ${hostile[0]} ${hostile[1]}`, sim, ctx, addPhone);
    ctx.say(`Type "help" for commands. Ctrl-C or "quit" stops.`);

    await new Promise<void>((resolve) => {
      const lines = createInterface({ input: process.stdin });
      const stop = () => {
        lines.close();
        // A paused stdin pipe still holds the event loop open; the command is done with it.
        (process.stdin as { unref?: () => void }).unref?.();
        resolve();
      };
      if (ctx.signal.aborted) return stop();
      ctx.signal.addEventListener('abort', stop, { once: true });
      lines.on('line', (line) => {
        try {
          if (runLine(line, sim, ctx, addPhone) === 'quit') stop();
        } catch (error) {
          ctx.stderr.write(`${(error as Error).message}\n`);
        }
      });
    });
    await sim.close();
    ctx.say('Stopped.');
    ctx.emit({ event: 'summary', stopped: true });
    return 0;
  },
};

function runLine(
  line: string,
  sim: PhoneSimulator,
  ctx: CliContext,
  addPhone: (index: number, name?: string) => SimulatedPhone,
): 'quit' | undefined {
  const [verb, ...args] = line.trim().split(/\s+/);
  if (!verb) return;
  const targets = () => pickPhones(sim, args[0]);
  switch (verb) {
    case 'quit':
    case 'exit':
      return 'quit';
    case 'help':
      ctx.say(STDIN_HELP);
      return;
    case 'list':
      listPhones(sim, ctx);
      return;
    case 'detach':
      return void targets().forEach((p) => p.detach());
    case 'attach':
      return void targets().forEach((p) => p.attach());
    case 'trust':
      return void targets().forEach((p) => p.tapTrust());
    case 'deny':
      return void targets().forEach((p) => p.tapDontTrust());
    case 'lock':
      return void targets().forEach((p) => p.lock());
    case 'unlock':
      return void targets().forEach((p) => p.unlock());
    case 'revoke':
      return void targets().forEach((p) => p.forgetHosts());
    case 'add': {
      const phone = addPhone(sim.phones.size, args.join(' ') || undefined);
      ctx.say(`Attached ${phone.name} (${phone.udid}).`);
      return;
    }
    case 'hostile': {
      const [layer, mode] = args;
      const off = mode === 'off';
      if (layer === 'usbmux' && (off || isHostile(layer, mode))) {
        sim.hostile = off ? undefined : (mode as UsbmuxHostileMode);
      } else if (layer === 'lockdown' && (off || isHostile(layer, mode))) {
        for (const phone of sim.phones) phone.hostileLockdown = off ? undefined : (mode as LockdownHostileMode);
      } else {
        throw new Error(
          `hostile usbmux ${USBMUX_HOSTILE.join('|')}|off, or hostile lockdown ${LOCKDOWN_HOSTILE.join('|')}|off`,
        );
      }
      ctx.say(`hostile ${layer}: ${mode}`);
      return;
    }
    default:
      throw new Error(`Unknown command "${verb}". Type "help".`);
  }
}

function isHostile(layer: string | undefined, mode: string | undefined): boolean {
  if (layer === 'usbmux') return USBMUX_HOSTILE.includes(mode as UsbmuxHostileMode);
  if (layer === 'lockdown') return LOCKDOWN_HOSTILE.includes(mode as LockdownHostileMode);
  return false;
}

function pickPhones(sim: PhoneSimulator, which: string | undefined): SimulatedPhone[] {
  const phones = [...sim.phones];
  if (!which) return phones;
  const byIndex = /^\d+$/.test(which) ? phones[Number(which) - 1] : undefined;
  const found = byIndex ?? phones.find((p) => p.udid === which);
  if (!found) throw new Error(`No phone "${which}". Type "list".`);
  return [found];
}

function listPhones(sim: PhoneSimulator, ctx: CliContext): void {
  [...sim.phones].forEach((phone, i) => {
    const d = describe(phone);
    ctx.say(
      `  ${i + 1}. ${d.name} ${d.udid}  ${d.attached ? 'attached' : 'detached'}, ${d.locked ? 'locked' : 'unlocked'}, ` +
        `${d.trusted ? 'trusts a computer' : 'trusts no computer'}${d.trustDialog !== 'none' ? `, Trust dialog: ${d.trustDialog}` : ''}`,
    );
  });
}

function describe(phone: SimulatedPhone) {
  return {
    udid: phone.udid,
    name: phone.name,
    productType: phone.productType,
    iosVersion: phone.iosVersion,
    attached: phone.attached,
    locked: phone.locked,
    trusted: phone.trustsAnyHost,
    trustDialog: phone.trustDialog,
  };
}

function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}
