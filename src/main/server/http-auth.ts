import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** The access token travels once in the URL, then in an HttpOnly cookie scoped to this port. */
export function cookieName(port: number): string {
  return `rollkeeper_token_${port}`;
}

export function tokensEqual(given: string | undefined | null, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function readCookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

/**
 * The Host header must name this server: a page on another site that resolves its own name to
 * 127.0.0.1 (DNS rebinding) sends its own name here and is refused.
 */
export function hostAllowed(req: IncomingMessage, port: number, boundHost: string): boolean {
  const host = (req.headers.host ?? '').toLowerCase();
  const allowed = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `${boundHost}:${port}`]);
  return allowed.has(host);
}

/** WebSocket upgrades must come from our own page (browsers always send Origin on them). */
export function originAllowed(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  return origin === undefined || origin === `http://${req.headers.host}`;
}

export function isAuthorized(req: IncomingMessage, token: string, port: number): boolean {
  const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  return tokensEqual(readCookie(req, cookieName(port)), token) || tokensEqual(bearer, token);
}
