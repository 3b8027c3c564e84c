/**
 * Device connect benchmark: how long from "a phone is attached" to "AFC answers", the path every
 * backup and every device refresh takes: usbmuxd ListDevices → lockdown (ReadPairRecord,
 * StartSession with TLS) → StartService com.apple.afc → usbmux Connect → AFC GET_DEVINFO.
 * Ours (src/main/device) against appium-ios-device (a JS peer) on the same simulator (its own
 * process), best of N rounds each, printed with the ratio ours / peer (below 1: ours is faster).
 *
 *   npx tsx bench/device-connect.ts [--rounds 30]
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { AfcClient } from '../src/main/device/afc/afc-client';
import { connectToService } from '../src/main/device/connect-service';
import { pickDevice, UsbmuxClient } from '../src/main/device/usbmux/client';

const roundsArg = process.argv.indexOf('--rounds');
const ROUNDS = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 30;

interface AppiumAfc {
  listDirectory(path: string): Promise<string[]>;
  close(): void;
}

async function main(): Promise<void> {
  const root = await mkdtemp(path.join(tmpdir(), 'rollkeeper-bench-connect-'));
  await mkdir(path.join(root, 'DCIM'), { recursive: true });
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.resolve('bench/lib/simulator-process.ts'),
      JSON.stringify({ cameraRoll: root, phones: [{ name: 'bench' }] }),
    ],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const ready = await new Promise<{ address: string; udids: Record<string, string> }>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
    createInterface({ input: child.stdout! }).once('line', (line) => resolve(JSON.parse(line) as never));
  });
  const udid = ready.udids.bench!;
  process.env.USBMUXD_SOCKET_ADDRESS = ready.address;
  try {
    const usbmux = new UsbmuxClient({ address: ready.address });
    const ours = async () => {
      const device = pickDevice(await usbmux.listDevices(), udid);
      const afc = new AfcClient(await connectToService(usbmux, device, 'com.apple.afc'));
      await afc.deviceInfo();
      afc.close();
    };
    const { services, utilities } = createRequire(import.meta.url)('appium-ios-device') as {
      services: { startAfcService(udid: string): Promise<AppiumAfc> };
      utilities: { getConnectedDevices(): Promise<string[]> };
    };
    // appium-ios-device matches usbmuxd's raw SerialNumber, which has no dash.
    const rawSerial = udid.replace('-', '');
    const peer = async () => {
      await utilities.getConnectedDevices();
      const afc = await services.startAfcService(rawSerial);
      await afc.listDirectory('/');
      afc.close();
    };
    const oursMs = await best('ours (usbmux → lockdown TLS → AFC)', ours);
    const peerMs = await best('appium-ios-device (same path)', peer);
    console.log(
      `\nattach-to-AFC ratio ours / appium-ios-device: ${(oursMs / peerMs).toFixed(2)} (below 1: ours is faster)`,
    );
  } finally {
    child.stdin!.end();
    await new Promise((resolve) => child.once('exit', resolve));
    await rm(root, { recursive: true, force: true });
  }
}

async function best(label: string, run: () => Promise<void>): Promise<number> {
  await run(); // warm-up: module loading, TLS context creation
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  console.log(
    `${label.padEnd(40)} best ${times[0]!.toFixed(1).padStart(6)} ms   median ${median.toFixed(1).padStart(6)} ms   (${ROUNDS} rounds)`,
  );
  return median;
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
