/** `rollkeeper scan` as a user runs it, against the simulator (USBMUXD_SOCKET_ADDRESS). */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCameraRoll, readManifest } from '../../../src/simulator/camera-roll/generate';
import type { CameraRollManifest } from '../../../src/simulator/camera-roll/manifest';
import { PhoneSimulator } from '../../../src/simulator/phone-simulator';

const BIN = path.resolve('bin/rollkeeper.js');
let base: string;
let sim: PhoneSimulator;
let manifest: CameraRollManifest;

beforeAll(async () => {
  base = mkdtempSync(path.join(os.tmpdir(), 'rollkeeper-scan-cli-'));
  await makeCameraRoll(path.join(base, 'roll'), { seed: 'cli', photos: 14, videos: 3, live: 3 });
  manifest = readManifest(path.join(base, 'roll'));
  sim = await PhoneSimulator.start();
  sim.addPhone({ cameraRoll: path.join(base, 'roll'), udid: '00008120-0000000000005CA1', name: 'Scan Phone' });
});
afterAll(async () => {
  await sim?.close();
  rmSync(base, { recursive: true, force: true });
});

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [BIN, 'scan', '--data-dir', path.join(base, 'data'), ...args],
      {
        env: { ...process.env, USBMUXD_SOCKET_ADDRESS: sim.address },
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('rollkeeper scan', () => {
  it('--json lists every asset, then a summary; a second run reads nothing', async () => {
    const first = await cli('--json');
    expect(first.code).toBe(0);
    const events = first.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const assets = events.filter((e) => e.event === 'asset');
    expect(assets.map((a) => a.id).sort()).toEqual(manifest.assets.map((a) => a.uuid).sort());
    const summary = events.at(-1)!;
    expect(summary).toMatchObject({
      event: 'summary',
      udid: '00008120-0000000000005CA1',
      source: 'library',
      assets: manifest.assets.length,
      byKind: manifest.totals.byKind,
      unchanged: false,
    });
    const again = await cli('--json');
    const last = JSON.parse(again.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(last).toMatchObject({ event: 'summary', unchanged: true, bytesRead: 0, assets: manifest.assets.length });
  });

  it('speaks to people: counts by kind, date range, flags', async () => {
    const { code, stdout } = await cli('--dcim-only');
    expect(code).toBe(0);
    expect(stdout).toMatch(/Scan Phone: \d+ items, read from the camera folders \(DCIM\)/);
    expect(stdout).toMatch(/taken \d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d/);
    const library = await cli('--force');
    expect(library.stdout).toContain(`Scan Phone: ${manifest.assets.length} items, read from the photo library.`);
    expect(library.stdout).toMatch(/only in iCloud/);
  });

  it('asks for --udid when several iPhones are attached', async () => {
    const second = path.join(base, 'roll2');
    cpSync(path.join(base, 'roll'), second, { recursive: true });
    const phone = sim.addPhone({ cameraRoll: second, udid: '00008120-0000000000005CA2' });
    try {
      const { code, stderr } = await cli();
      expect(code).toBe(2);
      expect(stderr).toMatch(/2 iPhones are attached.*--udid/);
      const chosen = await cli('--udid', '00008120-0000000000005CA2', '--json');
      expect(chosen.code).toBe(0);
    } finally {
      sim.removePhone(phone);
    }
  });
});
