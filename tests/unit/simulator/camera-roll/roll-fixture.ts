import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeCameraRoll, readManifest } from '../../../../src/simulator/camera-roll/generate';
import type { CameraRollManifest, CameraRollOptions } from '../../../../src/simulator/camera-roll/manifest';

export interface RollFixture {
  dir: string;
  manifest: CameraRollManifest;
  cleanup(): void;
}

/** Makes a roll in a fresh temp folder; call cleanup() in afterAll. */
export async function makeRollFixture(options: Partial<CameraRollOptions> = {}): Promise<RollFixture> {
  const base = mkdtempSync(path.join(os.tmpdir(), 'rollkeeper-roll-test-'));
  const dir = path.join(base, 'Media');
  await makeCameraRoll(dir, options);
  return { dir, manifest: readManifest(dir), cleanup: () => rmSync(base, { recursive: true, force: true }) };
}

/** Every file under `dir`, as `/`-separated paths relative to it. */
export function listFiles(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const child = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...listFiles(dir, child));
    else out.push(child);
  }
  return out.sort();
}

export function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** path → sha256 and mtime of every file in the roll, to compare two rolls. */
export function fingerprint(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rel of listFiles(dir)) {
    const full = path.join(dir, rel);
    out[rel] = rel.endsWith('rollkeeper-manifest.json') ? sha256(full) : `${sha256(full)} ${statSync(full).mtimeMs}`;
  }
  return out;
}

/** Parses an EXIF local time plus OffsetTime-style zone into UTC ms. */
export function exifToUtcMs(dateTime: string, offset: string, subSec = '0'): number {
  const m = /^(\d{4}):(\d\d):(\d\d) (\d\d):(\d\d):(\d\d)$/.exec(dateTime);
  const z = /^([+-])(\d\d):(\d\d)$/.exec(offset);
  if (!m || !z) throw new Error(`unparseable EXIF date "${dateTime}" "${offset}"`);
  const local = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) + Number(`0.${subSec}`) * 1000;
  const minutes = (z[1] === '-' ? -1 : 1) * (+z[2]! * 60 + +z[3]!);
  return Math.round(local - minutes * 60_000);
}

export const offsetMinutesOf = (offset: string) => {
  const z = /^([+-])(\d\d):(\d\d)$/.exec(offset)!;
  return (z[1] === '-' ? -1 : 1) * (+z[2]! * 60 + +z[3]!);
};
