/**
 * Scan benchmark: a generated roll served by the simulator (in its own process), scanned into a
 * catalog file the way `rollkeeper scan` does it (a pool of 4 AFC connections).
 *
 *   - library scan of a 50,000-asset `tiny` roll, from "phone ready" to a complete catalog
 *     (Photos.sqlite copy over AFC, parse, the presence check of every file, catalog writes);
 *     the catalog is then checked against the roll's manifest (every asset present);
 *   - rescan of the unchanged phone;
 *   - DCIM-only scan of the same roll, and of a small `real`-size roll (phone-sized HEICs,
 *     videos with the movie header at the end): payload bytes the AFC client received per
 *     asset, counted by the scanner's reader, not estimated.
 *
 * Prints each figure with its ratio to the goal (< 1 is better than the goal).
 *
 *   npx tsx bench/scan.ts [--assets 50000] [--roll DIR (reuse a tiny roll)] [--real-assets 80] [--keep]
 */
import { startSimulatorProcess } from './lib/simulator';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Catalog } from '../src/main/catalog/database';
import { AfcPool } from '../src/main/device/afc/afc-pool';
import { DeviceSession } from '../src/main/device/device-session';
import { UsbmuxClient } from '../src/main/device/usbmux/client';
import { type ScanReport, scanDevice } from '../src/main/library/scan-device';
import { makeCameraRoll, readManifest } from '../src/simulator/camera-roll/generate';

const { values } = parseArgs({
  options: {
    assets: { type: 'string' },
    roll: { type: 'string' },
    'real-assets': { type: 'string' },
    keep: { type: 'boolean' },
  },
});
const TOTAL = Number(values.assets ?? 50_000);
const REAL = Number(values['real-assets'] ?? 80);
const base = mkdtempSync(path.join(os.tmpdir(), 'rollkeeper-bench-scan-'));

function split(total: number) {
  const photos = Math.round(total * 0.72);
  const videos = Math.round(total * 0.14);
  return { photos, videos, live: total - photos - videos };
}

async function startSimulator(roll: string) {
  const sim = await startSimulatorProcess(roll, [{ name: 'bench' }]);
  const { address, udids } = sim;
  const usbmux = new UsbmuxClient({ address });
  const device = (await usbmux.listDevices()).find((d) => d.udid === udids.bench)!;
  const session = new DeviceSession(device, usbmux);
  await session.refresh();
  const pool = new AfcPool(() => session.openAfc(), { size: 4, callersPerConnection: 32 });
  return {
    pool,
    udid: device.udid,
    async close() {
      await pool.close();
      session.close();
      await sim.stop();
    },
  };
}

async function timedScan(catalog: Catalog, deviceId: number, pool: AfcPool, dcimOnly: boolean) {
  const started = performance.now();
  // Seconds spent in each phase, to see where a scan's time goes.
  const phases: Record<string, number> = {};
  let phase = '';
  let phaseStart = started;
  const report = await scanDevice({
    afc: pool,
    catalog,
    deviceId,
    dcimOnly,
    onProgress: (p) => {
      if (p.phase === phase) return;
      const now = performance.now();
      if (phase) phases[phase] = fmt((phases[phase] ?? 0) + (now - phaseStart) / 1000, 3);
      phase = p.phase;
      phaseStart = now;
    },
  });
  const seconds = (performance.now() - started) / 1000;
  if (phase) phases[phase] = fmt((phases[phase] ?? 0) + (performance.now() - phaseStart) / 1000, 3);
  return { report, seconds, phases };
}

const fmt = (n: number, digits = 2) => Number(n.toFixed(digits));
const line = (label: string, value: string, goal: string, ratio: number) =>
  console.log(`  ${label.padEnd(52)} ${value.padStart(12)}   goal ${goal.padEnd(10)} ratio ${ratio.toFixed(2)}`);

async function main(): Promise<void> {
  const results: Record<string, unknown> = { bench: 'scan', node: process.version, cpus: os.cpus().length };
  let roll = values.roll;
  if (!roll) {
    roll = path.join(base, 'tiny');
    const t = performance.now();
    await makeCameraRoll(roll, { seed: 'bench', size: 'tiny', ...split(TOTAL) });
    console.log(`made a ${TOTAL}-asset tiny roll in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  const manifest = readManifest(roll);
  const sim = await startSimulator(roll);
  const catalog = Catalog.open(path.join(base, 'data', 'catalog.sqlite'));
  let library: Awaited<ReturnType<typeof timedScan>>;
  let rescan: { report: ScanReport; seconds: number };
  let dcim: { report: ScanReport; seconds: number };
  try {
    const deviceId = catalog.devices.upsert(sim.udid).id;
    library = await timedScan(catalog, deviceId, sim.pool, false);
    // The catalog is complete: every asset of the manifest present, nothing else.
    const present = new Set(catalog.assets.listOnDevice(deviceId).map((a) => a.key));
    const missing = manifest.assets.filter((a) => !present.has(a.uuid)).length;
    if (missing || present.size !== manifest.assets.length)
      throw new Error(`catalog incomplete: ${missing} missing, ${present.size} present`);
    rescan = await timedScan(catalog, deviceId, sim.pool, false);
    if (!rescan.report.unchanged) throw new Error('the rescan of an unchanged phone did work');
    const dcimCatalog = Catalog.open(':memory:');
    try {
      dcim = await timedScan(dcimCatalog, dcimCatalog.devices.upsert(sim.udid).id, sim.pool, true);
    } finally {
      dcimCatalog.close();
    }
  } finally {
    catalog.close();
    await sim.close();
  }

  // A small roll of phone-sized files: what the header reads cost when files are megabytes.
  const realRoll = path.join(base, 'real');
  await makeCameraRoll(realRoll, { seed: 'bench-real', size: 'real', realVideoBytes: 8_000_000, ...split(REAL) });
  const realSim = await startSimulator(realRoll);
  let real: { report: ScanReport; seconds: number };
  const realCatalog = Catalog.open(':memory:');
  try {
    real = await timedScan(realCatalog, realCatalog.devices.upsert(realSim.udid).id, realSim.pool, true);
  } finally {
    realCatalog.close();
    await realSim.close();
  }

  const kib = (r: ScanReport) => r.bytesRead / 1024 / r.assets;
  console.log(
    `\nScan of ${manifest.assets.length} assets (${manifest.totals.files} files), simulator in its own process, pool of 4 AFC connections`,
  );
  line('library scan to a complete catalog', `${library.seconds.toFixed(2)} s`, '< 10 s', library.seconds / 10);
  line('rescan of the unchanged phone', `${rescan.seconds.toFixed(3)} s`, '< 2 s', rescan.seconds / 2);
  line(
    `DCIM scan, tiny roll (${dcim.report.assets} assets)`,
    `${kib(dcim.report).toFixed(1)} KiB/asset`,
    '≤ 64 KiB',
    kib(dcim.report) / 64,
  );
  line(
    `DCIM scan, real-size roll (${real.report.assets} assets)`,
    `${kib(real.report).toFixed(1)} KiB/asset`,
    '≤ 64 KiB',
    kib(real.report) / 64,
  );
  console.log(
    `  (DCIM scan of the tiny roll took ${dcim.seconds.toFixed(1)} s, ${dcim.report.requests} AFC requests; library scan ${library.report.requests})`,
  );
  Object.assign(results, {
    assets: manifest.assets.length,
    librarySeconds: fmt(library.seconds),
    libraryRequests: library.report.requests,
    libraryPhases: library.phases,
    rescanSeconds: fmt(rescan.seconds, 3),
    dcimSecondsTiny: fmt(dcim.seconds),
    dcimKiBPerAssetTiny: fmt(kib(dcim.report)),
    dcimKiBPerAssetReal: fmt(kib(real.report)),
    realAssets: real.report.assets,
    ratios: {
      libraryVsGoal: fmt(library.seconds / 10),
      rescanVsGoal: fmt(rescan.seconds / 2, 3),
      dcimBytesVsGoalTiny: fmt(kib(dcim.report) / 64),
      dcimBytesVsGoalReal: fmt(kib(real.report) / 64),
    },
  });
  console.log(JSON.stringify(results));
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => {
    if (!values.keep) rmSync(base, { recursive: true, force: true });
    else console.log(`kept ${base}`);
  });
