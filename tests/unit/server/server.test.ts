import { mkdir, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { Engine } from '../../../src/main/engine';
import { type RunningServer, startServer } from '../../../src/main/server/server';
import { tempDir } from '../../helpers/temp-dir';

interface Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(port: number, urlPath: string, headers: Record<string, string> = {}): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: urlPath, headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function openSocket(port: number, headers: Record<string, string>): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api`, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
}

describe('rollkeeper serve: HTTP + WebSocket transport', () => {
  let temp: { dir: string; cleanup: () => Promise<void> };
  let server: RunningServer;
  let cookie: string;
  beforeEach(async () => {
    temp = await tempDir();
    const rendererDir = path.join(temp.dir, 'renderer');
    await mkdir(rendererDir);
    await writeFile(path.join(rendererDir, 'index.html'), '<!doctype html><title>Rollkeeper</title>');
    await writeFile(path.join(temp.dir, 'secret.txt'), 'do not serve');
    const engine = new Engine({ dataDir: path.join(temp.dir, 'data'), transport: 'websocket' });
    server = await startServer({ engine, rendererDir });
    const exchange = await get(server.port, `/?token=${server.token}`);
    cookie = String(exchange.headers['set-cookie']).split(';')[0];
  });
  afterEach(async () => {
    await server.close();
    await temp.cleanup();
  });

  it('binds 127.0.0.1 and prints a URL carrying a random token', () => {
    expect(server.host).toBe('127.0.0.1');
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{32}$/);
  });

  it('refuses requests without the token, or with a wrong one', async () => {
    expect((await get(server.port, '/')).status).toBe(401);
    expect((await get(server.port, '/index.html')).status).toBe(401);
    expect((await get(server.port, '/?token=wrong')).status).toBe(401);
    expect((await get(server.port, '/', { Cookie: 'rollkeeper_token_1=nope' })).status).toBe(401);
  });

  it('trades the token for an HttpOnly cookie, then serves the app with a CSP', async () => {
    expect(cookie).toContain(server.token);
    const page = await get(server.port, '/', { Cookie: cookie });
    expect(page.status).toBe(200);
    expect(page.body).toContain('Rollkeeper');
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
  });

  it('refuses a foreign Host header (DNS rebinding) even with the token', async () => {
    const res = await get(server.port, '/', { Cookie: cookie, Host: `evil.example:${server.port}` });
    expect(res.status).toBe(403);
  });

  it('never serves files outside the renderer folder', async () => {
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/%00']) {
      const res = await get(server.port, p, { Cookie: cookie });
      expect(res.status).toBe(404);
      expect(res.body).not.toContain('do not serve');
    }
  });

  it('carries the contract over the WebSocket only for authorised pages of its own origin', async () => {
    await expect(openSocket(server.port, {})).rejects.toThrow(/401/);
    await expect(openSocket(server.port, { Cookie: cookie, Origin: 'http://evil.example' })).rejects.toThrow(/401/);

    const ws = await openSocket(server.port, { Cookie: cookie, Origin: `http://127.0.0.1:${server.port}` });
    const replies: unknown[] = [];
    ws.on('message', (d) => replies.push(JSON.parse(String(d))));
    ws.send(JSON.stringify({ id: 1, method: 'settings.update', args: { autoBackup: true } }));
    ws.send(JSON.stringify({ id: 2, method: 'settings.update', args: { autoBackup: 'yes' } }));
    await expect.poll(() => replies.length).toBe(2);
    expect(replies).toContainEqual({
      id: 1,
      reply: { ok: true, result: expect.objectContaining({ autoBackup: true }) },
    });
    expect(replies).toContainEqual({
      id: 2,
      reply: { ok: false, error: expect.objectContaining({ code: 'contract.invalid-arguments' }) },
    });
    ws.close();
  });
});
