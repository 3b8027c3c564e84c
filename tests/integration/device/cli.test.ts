import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BIN = path.resolve('bin/rollkeeper.js');

describe('rollkeeper simulate + rollkeeper devices', () => {
  let root: string;
  let sim: ChildProcessWithoutNullStreams;
  let address: string;
  const events: Record<string, unknown>[] = [];

  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'rollkeeper-cli-sim-'));
    mkdirSync(path.join(root, 'roll', 'DCIM'), { recursive: true });
    writeFileSync(path.join(root, 'roll', 'DCIM', 'x.jpg'), 'x');
    sim = spawn(
      process.execPath,
      [
        BIN,
        'simulate',
        '--json',
        '--camera-roll',
        path.join(root, 'roll'),
        '--socket',
        path.join(root, 'mux.sock'),
        '--untrusted',
        '--name',
        'CLI Phone',
        '--udid',
        '00008120-00000000000C0DE0',
      ],
      { stdio: 'pipe' },
    );
    const lines = createInterface({ input: sim.stdout });
    lines.on('line', (line) => events.push(JSON.parse(line) as Record<string, unknown>));
    address = await new Promise<string>((resolve, reject) => {
      sim.once('exit', (code) => reject(new Error(`simulate exited with ${code}`)));
      lines.on('line', () => {
        const listening = events.find((e) => e.event === 'listening');
        if (listening) resolve(String(listening.usbmuxdSocketAddress));
      });
    });
  });

  afterAll(async () => {
    if (sim && sim.exitCode === null) {
      sim.stdin.write('quit\n');
      await new Promise((resolve) => sim.once('exit', resolve));
    }
    rmSync(root, { recursive: true, force: true });
  });

  async function devices(...args: string[]) {
    const { stdout } = await run(process.execPath, [BIN, 'devices', ...args], {
      env: { ...process.env, USBMUXD_SOCKET_ADDRESS: address },
    });
    return stdout;
  }

  it('prints the socket address and follows stdin commands: trust, lock, detach', async () => {
    expect(address).toBe(`UNIX:${path.join(root, 'mux.sock')}`);
    let lines = (await devices('--json'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({
      event: 'device',
      udid: '00008120-00000000000C0DE0',
      name: 'CLI Phone',
      state: 'trust-pending',
    });
    expect(lines.at(-1)).toEqual({ event: 'summary', count: 1, ready: 0 });

    sim.stdin.write('trust\n');
    await waitForEvent((e) => e.event === 'phone' && e.trustDialog === 'accepted');
    lines = (await devices('--json'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ state: 'ready', model: 'iPhone 14 Pro', connection: 'usb' });
    expect((lines[0]!.storage as { totalBytes: number }).totalBytes).toBeGreaterThan(0);

    sim.stdin.write('lock\n');
    await waitForEvent((e) => e.event === 'phone' && e.locked === true);
    expect(await devices()).toMatch(/locked: Unlock your iPhone/);

    sim.stdin.write('detach\n');
    await waitForEvent((e) => e.event === 'phone' && e.attached === false);
    expect(await devices()).toMatch(/No iPhone is attached/);
  });

  async function waitForEvent(test: (e: Record<string, unknown>) => boolean) {
    for (let i = 0; i < 500; i++) {
      if (events.some(test)) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error('event not seen');
  }
});

describe('rollkeeper devices without usbmuxd', () => {
  it('fails with exit code 1 and says what to start', async () => {
    const error = await run(process.execPath, [BIN, 'devices'], {
      env: { ...process.env, USBMUXD_SOCKET_ADDRESS: 'UNIX:/nonexistent/usbmuxd' },
    }).catch((e: unknown) => e as { code: number; stderr: string });
    expect(error).toMatchObject({ code: 1 });
    expect((error as { stderr: string }).stderr).toMatch(/usbmuxd \(Linux\) running/);
  });
});
