import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UsbmuxClient } from '../../../src/main/device/usbmux/client';
import { PhoneSimulator } from '../../../src/simulator/phone-simulator';

/** A temp camera roll with a couple of files, and a simulator whose state is kept for the file's tests. */
export async function startSimulator(options: { bigFileBytes?: number } = {}) {
  const root = mkdtempSync(path.join(os.tmpdir(), 'rollkeeper-device-test-'));
  const roll = path.join(root, 'roll');
  mkdirSync(path.join(roll, 'DCIM', '100APPLE'), { recursive: true });
  writeFileSync(path.join(roll, 'DCIM', '100APPLE', 'IMG_0001.JPG'), Buffer.from('small photo bytes'));
  if (options.bigFileBytes)
    writeFileSync(path.join(roll, 'DCIM', '100APPLE', 'IMG_0002.MOV'), Buffer.alloc(options.bigFileBytes, 7));
  const sim = await PhoneSimulator.start({
    socketPath: path.join(root, 'usbmuxd'),
    stateDir: path.join(root, 'state'),
  });
  const usbmux = new UsbmuxClient({ address: sim.address });
  return {
    sim,
    roll,
    usbmux,
    async close() {
      await sim.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Resolves when `test` holds, checking on every tick (for event-driven states), or rejects after `ms`. */
export async function eventually<T>(test: () => T | undefined | false, ms = 5000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = test();
    if (value) return value;
    if (Date.now() > until) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
