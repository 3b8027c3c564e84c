import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { DeviceSession } from '../../../src/main/device/device-session';
import { UsbmuxClient } from '../../../src/main/device/usbmux/client';
import { makeCameraRoll } from '../../../src/simulator/camera-roll/generate';
import type { CameraRollOptions } from '../../../src/simulator/camera-roll/manifest';
import { PhoneSimulator } from '../../../src/simulator/phone-simulator';
import type { SimulatedPhone } from '../../../src/simulator/simulated-phone';

/**
 * A generated camera roll served by a simulated phone, and a ready session to it: what the AFC
 * integration tests read from. `addFiles` may put more files into the roll before it is served.
 */
export async function startRollPhone(roll: Partial<CameraRollOptions>, addFiles?: (media: string) => Promise<void>) {
  const dir = await mkdtemp(path.join(tmpdir(), 'rk-afc-int-'));
  const media = path.join(dir, 'Media');
  await makeCameraRoll(media, roll);
  await addFiles?.(media);
  const sim = await PhoneSimulator.start();
  const phone: SimulatedPhone = sim.addPhone({ cameraRoll: media });
  const usbmux = new UsbmuxClient({ address: sim.address });
  const [device] = await usbmux.listDevices();
  const session = new DeviceSession(device!, usbmux);
  expect((await session.refresh()).state).toBe('ready');
  return {
    media,
    sim,
    phone,
    session,
    async close() {
      session.close();
      await sim.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Every regular file under `root`, as AFC paths. */
export async function walkDisk(root: string, at = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(path.join(root, at), { withFileTypes: true })) {
    const child = `${at}/${entry.name}`;
    if (entry.isDirectory()) out.push(...(await walkDisk(root, child)));
    else if (entry.isFile()) out.push(child);
  }
  return out;
}
