import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Asset } from '../../../src/shared/asset';
import { AfcPool } from '../../../src/main/device/afc/afc-pool';
import { Catalog } from '../../../src/main/catalog/database';
import { DeviceSession } from '../../../src/main/device/device-session';
import { UsbmuxClient } from '../../../src/main/device/usbmux/client';
import { type ScanDeviceOptions, scanDevice } from '../../../src/main/library/scan-device';
import { makeCameraRoll, readManifest } from '../../../src/simulator/camera-roll/generate';
import type { CameraRollManifest, CameraRollOptions } from '../../../src/simulator/camera-roll/manifest';
import { PhoneSimulator } from '../../../src/simulator/phone-simulator';

/** One simulator for a test file, with a pristine roll that each phone gets its own copy of. */
export async function startScanWorld(options: Partial<CameraRollOptions> = {}) {
  const base = mkdtempSync(path.join(os.tmpdir(), 'rollkeeper-scan-test-'));
  const pristine = path.join(base, 'pristine');
  await makeCameraRoll(pristine, { seed: 'scan', photos: 40, videos: 8, live: 6, size: 'tiny', ...options });
  const manifest = readManifest(pristine);
  const sim = await PhoneSimulator.start();
  const usbmux = new UsbmuxClient({ address: sim.address });
  const cleanups: (() => Promise<void> | void)[] = [];
  let phones = 0;

  /** A phone with its own copy of the roll (change `media` to change the phone), a pool, a catalog. */
  async function phone(prepare?: (media: string) => void) {
    const media = path.join(base, `phone-${++phones}`);
    cpSync(pristine, media, { recursive: true, preserveTimestamps: true });
    prepare?.(media);
    const udid = `0000SCAN-${String(phones).padStart(16, '0')}`;
    const simulated = sim.addPhone({ cameraRoll: media, udid, name: `Scan ${phones}` });
    const device = (await usbmux.listDevices()).find((d) => d.udid === udid)!;
    const session = new DeviceSession(device, usbmux);
    await session.refresh();
    const pool = new AfcPool(() => session.openAfc(), { size: 2, callersPerConnection: 32 });
    const catalog = Catalog.open(':memory:');
    const deviceId = catalog.devices.upsert(udid).id;
    cleanups.push(async () => {
      await pool.close();
      session.close();
      catalog.close();
      sim.removePhone(simulated);
    });
    return {
      media,
      simulated,
      detach: () => sim.removePhone(simulated),
      catalog,
      deviceId,
      scan: (extra: Partial<ScanDeviceOptions> = {}) => scanDevice({ afc: pool, catalog, deviceId, ...extra }),
      /** The catalog's present assets of this phone, by id. */
      assets: (): Map<string, Asset> =>
        new Map(
          catalog.assets.listOnDevice(deviceId).map((s) => [
            s.key,
            {
              id: s.key,
              kind: s.kind,
              captureTime: s.captureTime,
              flags: s.flags,
              originalName: s.originalName,
              resources: s.resources.map((r) => ({ role: r.role, path: r.path, size: r.size, mtimeMs: r.mtimeMs })),
            },
          ]),
        ),
    };
  }

  return {
    manifest,
    phone,
    async close() {
      for (const c of cleanups.splice(0)) await c();
      await sim.close();
      rmSync(base, { recursive: true, force: true });
    },
  };
}

/** A resource as a comparable string. */
export const resourceLine = (r: { role: string; path: string; size: number; mtimeMs: number }) =>
  `${r.role} ${r.path} ${r.size} ${Math.round(r.mtimeMs)}`;

/** What the DCIM scanner can tell an asset's kind as, from its files alone. */
export function dcimKind(kind: CameraRollManifest['assets'][number]['kind']): string {
  if (kind === 'burst') return 'photo';
  if (kind === 'slomo' || kind === 'timelapse' || kind === 'screen-recording') return 'video';
  return kind;
}
