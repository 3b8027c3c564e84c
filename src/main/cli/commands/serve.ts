import { Engine } from '../../engine';
import { startServer } from '../../server/server';
import { type Command, intOption } from '../command';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export const serveCommand: Command = {
  name: 'serve',
  summary: 'run the app in your browser (local web server with an access token)',
  usage: [
    'Usage: rollkeeper serve [--port N] [--host H] [--json]',
    '',
    'Serves the Rollkeeper interface and its engine on this computer and prints the address to open.',
    'The address carries a random access token: anyone without it is refused.',
    '',
    'Options:',
    '  --port N   port to listen on (default 0: any free port)',
    '  --host H   address to bind (default 127.0.0.1; anything else exposes your photos to the network)',
    '',
    'Stops on Ctrl-C.',
  ].join('\n'),
  options: { port: { type: 'string' }, host: { type: 'string' } },
  async run({ values }, ctx) {
    const port = intOption(values.port, 'port', { max: 65535 }) ?? 0;
    const host = typeof values.host === 'string' ? values.host : '127.0.0.1';
    const engine = new Engine({ dataDir: ctx.dataDir, transport: 'websocket' });
    const server = await startServer({ engine, host, port });
    if (!LOOPBACK.has(host)) {
      ctx.stderr.write(`Warning: listening on ${host}: other computers on your network can reach this address.\n`);
    }
    ctx.say(`Rollkeeper is running. Open this address in your browser:\n\n  ${server.url}\n\nPress Ctrl-C to stop.`);
    ctx.emit({ event: 'listening', url: server.url, host: server.host, port: server.port });
    await new Promise<void>((resolve) => {
      if (ctx.signal.aborted) resolve();
      ctx.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await server.close();
    await engine.close();
    ctx.say('Stopped.');
    ctx.emit({ event: 'summary', stopped: true });
    return 0;
  },
};
