import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, type WebSocket } from 'ws';
import type { EngineApi, EventMessage } from '../../shared/contract';
import { RollkeeperError } from '../../shared/errors';
import { dispatch } from '../contract-dispatch';
import { cookieName, hostAllowed, isAuthorized, originAllowed, tokensEqual } from './http-auth';
import { contentType, createReadStream, resolveStatic } from './static-files';

/** Where `npm run build` puts the renderer (this file sits in src/main/server/). */
export const DEFAULT_RENDERER_DIR = fileURLToPath(new URL('../../../out/renderer', import.meta.url));

/** Largest WebSocket message accepted from a page: calls are small JSON. */
const MAX_MESSAGE_BYTES = 1024 * 1024;

const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; " +
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

export class RendererNotBuiltError extends RollkeeperError {
  override name = 'RendererNotBuiltError';
  constructor(dir: string) {
    super('serve.not-built', `The app's interface is not built (no ${dir}).`, 'Run "npm run build", then try again.');
  }
}

export interface EngineHost extends EngineApi {
  onEvent(listener: (message: EventMessage) => void): () => void;
}

export interface ServeOptions {
  engine: EngineHost;
  host?: string;
  port?: number;
  rendererDir?: string;
  /** Fixed token for tests; a random one otherwise. */
  token?: string;
}

export interface RunningServer {
  url: string;
  port: number;
  host: string;
  token: string;
  close(): Promise<void>;
}

/**
 * `rollkeeper serve`: the built renderer over HTTP and the engine contract over a WebSocket at
 * /api, on 127.0.0.1 by default. Every request needs the random token (once in the URL, then an
 * HttpOnly cookie); the Host and Origin headers must name this server.
 */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const rendererDir = path.resolve(options.rendererDir ?? DEFAULT_RENDERER_DIR);
  if (!existsSync(path.join(rendererDir, 'index.html'))) throw new RendererNotBuiltError(rendererDir);
  const token = options.token ?? randomBytes(24).toString('base64url');
  let port = 0;

  const server: Server = createServer((req, res) => {
    handleHttp(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });

  async function handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!hostAllowed(req, port, host)) return refuse(res, 403, 'Unknown host.');
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'Method not allowed.');
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    const given = url.searchParams.get('token');
    if (given !== null) {
      if (!tokensEqual(given, token)) return refuse(res, 401, 'Wrong access token.');
      // Trade the token in the address bar for a cookie, then drop it from the URL.
      url.searchParams.delete('token');
      res.writeHead(302, {
        ...SECURITY_HEADERS,
        'Set-Cookie': `${cookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        Location: url.pathname + url.search,
      });
      return void res.end();
    }
    if (!isAuthorized(req, token, port)) {
      return refuse(res, 401, 'Open the address that "rollkeeper serve" printed: it carries the access token.');
    }
    const file = await resolveStatic(rendererDir, url.pathname);
    if (!file) return refuse(res, 404, 'Not found.');
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': contentType(file) });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file).pipe(res);
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  server.on('upgrade', (req, socket, head) => {
    const ok =
      hostAllowed(req, port, host) &&
      originAllowed(req) &&
      isAuthorized(req, token, port) &&
      new URL(req.url ?? '/', 'http://x').pathname === '/api';
    if (!ok) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => serveSocket(ws, options.engine));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/?token=${token}`,
    port,
    host,
    token,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function refuse(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(`${message}\n`);
}

/** One page's connection: calls in ({id, method, args}), replies and events out. */
function serveSocket(ws: WebSocket, engine: EngineHost): void {
  const unsubscribe = engine.onEvent((message) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
  });
  ws.on('close', unsubscribe);
  ws.on('message', async (data, isBinary) => {
    let request: { id?: unknown; method?: unknown; args?: unknown };
    try {
      if (isBinary) throw new Error('binary');
      request = JSON.parse(data.toString()) as typeof request;
      if (typeof request !== 'object' || request === null) throw new Error('not an object');
    } catch {
      ws.close(1003, 'expected a JSON call');
      return;
    }
    const id = typeof request.id === 'number' || typeof request.id === 'string' ? request.id : null;
    const reply = await dispatch(engine, request.method, request.args);
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id, reply }));
  });
}
