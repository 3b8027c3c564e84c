/**
 * Test fixtures: the simulator's AFC server on a UNIX socket in a temp dir, clients connected to
 * it, and a small camera roll of random bytes. Everything made here is removed by `cleanup`.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AfcClient, type AfcClientOptions } from '../../../../src/main/device/afc/afc-client';
import { connectDirectRead } from '../../../../src/main/device/usbmux/direct-read-socket';
import { serveAfc, type AfcServerOptions, type AfcServerStats } from '../../../../src/simulator/afc-server';
import { Link, type LinkOptions } from '../../../../src/simulator/link';

export interface TestAfc {
  root: string;
  socketPath: string;
  stats: AfcServerStats;
  options: AfcServerOptions;
  link: Link;
  /** Every socket the server accepted (to kill one from the test). */
  serverSockets: net.Socket[];
  connect(options?: AfcClientOptions): Promise<AfcClient>;
  cleanup(): Promise<void>;
}

/**
 * How the test client's socket reads: `stream` is a plain socket ('data' events), `direct` a
 * direct-read socket as usbmux Connect makes for AFC (payloads read in place).
 */
export type ClientTransport = 'stream' | 'direct';
export const CLIENT_TRANSPORTS: ClientTransport[] = ['stream', 'direct'];

export async function startTestAfc(
  serverOptions: Partial<AfcServerOptions> = {},
  linkOptions: LinkOptions = {},
  transport: ClientTransport = 'stream',
): Promise<TestAfc> {
  const dir = await mkdtemp(path.join(tmpdir(), 'rk-afc-'));
  const root = path.join(dir, 'Media');
  await mkdir(root);
  const socketPath = path.join(dir, 'afc.sock');
  const stats: AfcServerStats = { connections: 0, requests: 0, maxOutstanding: 0, openFiles: 0 };
  const options: AfcServerOptions = { root, stats, ...serverOptions };
  const link = new Link(linkOptions);
  const serverSockets: net.Socket[] = [];
  const clients: AfcClient[] = [];
  const server = net.createServer((socket) => {
    serverSockets.push(socket);
    serveAfc(link.wrap(socket), options);
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    root,
    socketPath,
    stats,
    options,
    link,
    serverSockets,
    async connect(clientOptions = {}) {
      const socket =
        transport === 'direct' ? connectDirectRead({ path: socketPath }) : net.createConnection(socketPath);
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
      const client = new AfcClient(socket, clientOptions);
      clients.push(client);
      return client;
    },
    async cleanup() {
      for (const client of clients) client.close();
      for (const socket of serverSockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Writes files of random bytes under `root`; returns AFC path → content. */
export async function writeRoll(root: string, files: Record<string, number>): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const [afcPath, size] of Object.entries(files)) {
    const content = randomBytes(size);
    await mkdir(path.join(root, path.dirname(afcPath)), { recursive: true });
    await writeFile(path.join(root, afcPath), content);
    out.set(afcPath, content);
  }
  return out;
}
