import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from './simulator-fixture';

const run = promisify(execFile);
const TOOLS = ['idevice_id', 'ideviceinfo', 'idevicepair'];
const missing = TOOLS.filter((tool) => !['/usr/bin', '/usr/local/bin'].some((dir) => existsSync(`${dir}/${tool}`)));
if (missing.length > 0) {
  console.warn(
    `Skipping libimobiledevice tests: ${missing.join(', ')} not installed (Debian package libimobiledevice-utils).`,
  );
}

/** Runs a libimobiledevice tool against the simulator; resolves with exit code and output. */
async function tool(address: string, name: string, args: string[]) {
  try {
    const { stdout, stderr } = await run(name, args, {
      env: { ...process.env, USBMUXD_SOCKET_ADDRESS: address },
      timeout: 20_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe.skipIf(missing.length > 0)('libimobiledevice tools against the simulator', () => {
  let env: Awaited<ReturnType<typeof startSimulator>>;
  beforeAll(async () => {
    env = await startSimulator();
  });
  afterAll(async () => env?.close());

  it('idevice_id -l lists the UDID of every attached phone, and forgets a detached one', async () => {
    const a = env.sim.addPhone({ cameraRoll: env.roll, udid: '00008120-000A11CE000B0B00', name: 'Alice' });
    const b = env.sim.addPhone({ cameraRoll: env.roll, udid: '00008030-0000C0FFEE000000', name: 'Bob' });
    let out = await tool(env.sim.address, 'idevice_id', ['-l']);
    expect(out.code).toBe(0);
    expect(out.stdout.split('\n').filter(Boolean).sort()).toEqual([b.udid, a.udid].sort());
    b.detach();
    out = await tool(env.sim.address, 'idevice_id', ['-l']);
    expect(out.stdout.trim()).toBe(a.udid);
    env.sim.removePhone(a);
    env.sim.removePhone(b);
  });

  it('ideviceinfo prints DeviceName, ProductType and ProductVersion over a TLS session', async () => {
    const phone = env.sim.addPhone({
      cameraRoll: env.roll,
      udid: '00008120-0000000000000042',
      name: 'Info Phone',
      productType: 'iPhone16,1',
      iosVersion: '18.1',
    });
    const out = await tool(env.sim.address, 'ideviceinfo', ['-u', phone.udid]);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('DeviceName: Info Phone');
    expect(out.stdout).toContain('ProductType: iPhone16,1');
    expect(out.stdout).toContain('ProductVersion: 18.1');
    // SerialNumber is only answered inside a session: seeing it proves the TLS session worked.
    expect(out.stdout).toContain(`SerialNumber: ${phone.serialNumber}`);
    const one = await tool(env.sim.address, 'ideviceinfo', ['-u', phone.udid, '-k', 'UniqueDeviceID']);
    expect(one.stdout.trim()).toBe(phone.udid);
    env.sim.removePhone(phone);
  });

  it('idevicepair pair then validate succeed on an untrusted phone after the Trust tap', async () => {
    const phone = env.sim.addPhone({ cameraRoll: env.roll, udid: '00008120-00000000000000AA', untrusted: true });
    const before = await tool(env.sim.address, 'idevicepair', ['-u', phone.udid, 'pair']);
    expect(before.code).not.toBe(0);
    expect(before.stdout).toMatch(/accept the trust dialog/);
    expect(phone.trustDialog).toBe('showing');

    phone.tapTrust();
    const paired = await tool(env.sim.address, 'idevicepair', ['-u', phone.udid, 'pair']);
    expect(paired.stdout).toContain(`SUCCESS: Paired with device ${phone.udid}`);
    expect(paired.code).toBe(0);
    expect(phone.trustsAnyHost).toBe(true);
    // idevicepair handed the record to our usbmuxd (SavePairRecord): it is what validate uses.
    expect(env.sim.readPairRecord(phone.udid)).toBeDefined();

    const validated = await tool(env.sim.address, 'idevicepair', ['-u', phone.udid, 'validate']);
    expect(validated.stdout).toContain(`SUCCESS: Validated pairing with device ${phone.udid}`);
    expect(validated.code).toBe(0);
    const info = await tool(env.sim.address, 'ideviceinfo', ['-u', phone.udid, '-k', 'SerialNumber']);
    expect(info.stdout.trim()).toBe(phone.serialNumber);
    env.sim.removePhone(phone);
  });

  it('idevicepair reports "Don\'t Trust" and a locked phone', async () => {
    const phone = env.sim.addPhone({
      cameraRoll: env.roll,
      udid: '00008120-00000000000000BB',
      untrusted: true,
      locked: true,
    });
    const locked = await tool(env.sim.address, 'idevicepair', ['-u', phone.udid, 'pair']);
    expect(locked.code).not.toBe(0);
    expect(locked.stdout).toMatch(/passcode is set/);
    phone.unlock();
    phone.tapDontTrust();
    const denied = await tool(env.sim.address, 'idevicepair', ['-u', phone.udid, 'pair']);
    expect(denied.code).not.toBe(0);
    expect(denied.stdout).toMatch(/denied/i);
    env.sim.removePhone(phone);
  });
});
