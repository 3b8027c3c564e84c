import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DeviceWatcher } from '../../device/device-watcher';
import { UsbmuxClient } from '../../device/usbmux/client';
import { Engine } from '../../engine';
import { startServer } from '../../server/server';
import { PhoneSimulator } from '../../../simulator/phone-simulator';
import { type Command, intOption } from '../command';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** The small camera roll shipped for people with no iPhone at hand. */
export const DEMO_ROLL = fileURLToPath(new URL('../../../../resources/demo-roll', import.meta.url));

export const serveCommand: Command = {
  name: 'serve',
  summary: 'run the app in your browser (local web server with an access token)',
  usage: [
    'Usage: rollkeeper serve [--port N] [--host H] [--demo] [--json]',
    '',
    'Serves the Rollkeeper interface and its engine on this computer and prints the address to open.',
    'The address carries a random access token: anyone without it is refused.',
    '',
    'Options:',
    '  --port N   port to listen on (default 0: any free port)',
    '  --host H   address to bind (default 127.0.0.1; anything else exposes your photos to the network)',
    '  --demo     no iPhone at hand? Attach a simulated one serving the demo camera roll',
    '',
    'Stops on Ctrl-C.',
  ].join('\n'),
  options: { port: { type: 'string' }, host: { type: 'string' }, demo: { type: 'boolean' } },
  async run({ values }, ctx) {
    const port = intOption(values.port, 'port', { max: 65535 }) ?? 0;
    const host = typeof values.host === 'string' ? values.host : '127.0.0.1';

    let simulator: PhoneSimulator | undefined;
    if (values.demo) {
      if (!existsSync(DEMO_ROLL)) throw new Error(`The demo camera roll is missing (${DEMO_ROLL}).`);
      simulator = await PhoneSimulator.start();
      simulator.addPhone({ cameraRoll: DEMO_ROLL, name: 'Demo iPhone' });
    }
    const watcher = new DeviceWatcher(simulator ? { usbmux: new UsbmuxClient({ address: simulator.address }) } : {});
    const engine = new Engine({ dataDir: ctx.dataDir, transport: 'websocket', watcher });
    const server = await startServer({ engine, host, port });
    await engine.start();
    if (!LOOPBACK.has(host)) {
      ctx.stderr.write(`Warning: listening on ${host}: other computers on your network can reach this address.\n`);
    }
    ctx.say(`Rollkeeper is running. Open this address in your browser:\n\n  ${server.url}\n\nPress Ctrl-C to stop.`);
    if (simulator) ctx.say(`A simulated iPhone serving the demo roll is attached (${simulator.address}).`);
    ctx.emit({ event: 'listening', url: server.url, host: server.host, port: server.port, demo: Boolean(simulator) });
    await new Promise<void>((resolve) => {
      if (ctx.signal.aborted) resolve();
      ctx.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await server.close();
    await engine.close();
    await simulator?.close();
    ctx.say('Stopped.');
    ctx.emit({ event: 'summary', stopped: true });
    return 0;
  },
};
