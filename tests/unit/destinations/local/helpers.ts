/** Shared helpers for the local destination tests: temp folders, items, bodies. */
import { createHash, randomBytes } from 'node:crypto';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { expect } from 'vitest';
import type { Destination, IndexEntry, PutItem } from '../../../../src/main/destinations/destination';

export async function makeTempFolder(prefix = 'rk-dest-'): Promise<string> {
  return fsp.mkdtemp(path.join(os.tmpdir(), prefix));
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
export function md5(data: Uint8Array): string {
  return createHash('md5').update(data).digest('hex');
}

/** A readable over `data` in `chunkSize` pieces (destroyable, like a phone stream). */
export function bodyOf(data: Uint8Array, chunkSize = 64 * 1024): Readable {
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < data.byteLength; offset += chunkSize) {
    chunks.push(Buffer.from(data.subarray(offset, offset + chunkSize)));
  }
  return Readable.from(chunks);
}

export function content(size: number): Buffer {
  return randomBytes(size);
}

/** 2024-05-12 10:00 at +02:00: folder 2024/05. */
export const MAY_2024 = { utcMs: Date.UTC(2024, 4, 12, 8, 0), offsetMinutes: 120, source: 'exif' as const };

export function itemFor(data: Uint8Array, overrides: Partial<PutItem> = {}): PutItem {
  return {
    assetId: 'asset-1',
    sourceDevice: 'phone-A',
    captureTime: MAY_2024,
    assetName: 'IMG_0001.JPG',
    fileName: 'IMG_0001.JPG',
    role: 'original',
    size: data.byteLength,
    ...overrides,
  };
}

/** Every regular file under `root`, relative with `/`, sorted. */
export async function filesUnder(root: string): Promise<string[]> {
  const entries = await fsp.readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();
}

/** Files outside the `.rollkeeper` folder: what the user sees as the backup. */
export async function backupFiles(root: string): Promise<string[]> {
  return (await filesUnder(root)).filter((file) => !file.startsWith('.rollkeeper/'));
}

export async function readAll(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/**
 * Byte equality without vitest's element-by-element deep equal (seconds on a few hundred KB);
 * a failure still says where the bytes first differ.
 */
export function expectSameBytes(actual: Uint8Array, expected: Uint8Array): void {
  const a = Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength);
  const b = Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength);
  if (a.equals(b)) return;
  let offset = 0;
  while (offset < Math.min(a.length, b.length) && a[offset] === b[offset]) offset += 1;
  expect.fail(`bytes differ: lengths ${a.length} vs ${b.length}, first difference at offset ${offset}`);
}

/** Every entry of the destination's index, sorted by location. */
export async function listAll(destination: Destination): Promise<IndexEntry[]> {
  const entries: IndexEntry[] = [];
  for await (const entry of destination.list()) entries.push(entry);
  return entries.sort((a, b) => a.location.localeCompare(b.location));
}

/** An error as Node's file-system calls throw it, with `code` set. */
export function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: simulated`), { code });
}
