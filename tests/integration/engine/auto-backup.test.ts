import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BackupRun, EventMessage } from '../../../src/shared/contract';
import { DEMO_ROLL } from '../../../src/main/cli/commands/serve';
import { dispatch } from '../../../src/main/contract-dispatch';
import { DeviceWatcher } from '../../../src/main/device/device-watcher';
import { UsbmuxClient } from '../../../src/main/device/usbmux/client';
import { Engine } from '../../../src/main/engine';
import { PhoneSimulator } from '../../../src/simulator/phone-simulator';
import type { SimulatedPhone } from '../../../src/simulator/simulated-phone';

/** The engine as the app holds it, on a simulated phone serving the demo roll. */
describe('engine: backups through the contract, and auto-backup on re-plug', () => {
  let root: string;
  let sim: PhoneSimulator;
  let phone: SimulatedPhone;
  let engine: Engine;
  const events: EventMessage[] = [];

  const until = async (test: () => boolean, ms = 30_000) => {
    const end = Date.now() + ms;
    while (!test()) {
      if (Date.now() > end) throw new Error('condition not reached in time');
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const ended = (udid: string) =>
    events
      .filter((e) => e.event === 'backup.state' && (e.payload as { udid: string; state: string }).udid === udid)
      .map((e) => (e.payload as { state: string }).state);

  const lastRun = (udid: string) =>
    events
      .filter((e) => e.event === 'backup.state' && (e.payload as BackupRun).udid === udid)
      .map((e) => e.payload as BackupRun)
      .at(-1);

  beforeEach(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'rollkeeper-engine-'));
    sim = await PhoneSimulator.start({ socketPath: path.join(root, 'usbmuxd'), stateDir: path.join(root, 'state') });
    phone = sim.addPhone({ cameraRoll: DEMO_ROLL, name: 'Demo iPhone' });
    const watcher = new DeviceWatcher({ usbmux: new UsbmuxClient({ address: sim.address }) });
    engine = new Engine({ dataDir: path.join(root, 'data'), transport: 'websocket', watcher });
    events.length = 0;
    engine.onEvent((m) => events.push(m));
    await engine.start();
  });
  afterEach(async () => {
    await engine.close();
    await sim.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('says what to do when no backup folder is chosen', async () => {
    await until(() => events.some((e) => e.event === 'library.scanned'));
    const reply = await dispatch(engine, 'backup.start', { udid: phone.udid });
    expect(reply).toMatchObject({
      ok: false,
      error: { code: 'backup.no-destination', hint: expect.stringMatching(/Settings/) },
    });
  });

  it('backs up on request, then by itself when the phone is plugged in again with Auto-Upload on', async () => {
    const folder = mkdtempSync(path.join(root, 'backup-'));
    await dispatch(engine, 'settings.update', { destination: { type: 'local', path: folder }, autoBackup: true });
    await until(() => events.some((e) => e.event === 'library.scanned'));

    // First backup by hand: a phone is "set up" once the user has backed it up.
    const started = await dispatch(engine, 'backup.start', { udid: phone.udid });
    expect(started).toMatchObject({ ok: true, result: { udid: phone.udid } });
    await until(() => ended(phone.udid).includes('completed'));
    // The run's last state says what it did (the card shows it).
    expect(lastRun(phone.udid)).toMatchObject({
      state: 'completed',
      summary: { copied: expect.any(Number), failed: 0 },
      error: null,
    });
    expect(lastRun(phone.udid)!.summary!.copied).toBeGreaterThan(0);
    const timeline = await dispatch(engine, 'timeline.page', { limit: 1000 });
    if (!timeline.ok) throw new Error(timeline.error.message);
    const items = (timeline.result as { items: { badge: string }[] }).items;
    expect(items.filter((i) => i.badge === 'not-backed-up')).toEqual([]);

    // Re-plug: Auto-Upload starts a run by itself (it finds nothing new to copy).
    events.length = 0;
    phone.detach();
    await until(() => events.some((e) => e.event === 'device.detached'));
    phone.attach();
    await until(() => ended(phone.udid).includes('completed'));
    const summary = events.filter((e) => e.event === 'backup.progress').at(-1)?.payload as { filesDone: number };
    expect(summary?.filesDone ?? 0).toBe(0);
    expect(lastRun(phone.udid)).toMatchObject({
      state: 'completed',
      summary: { copied: 0, deduplicated: 0, failed: 0, bytes: 0 },
    });
  });

  /** The engine again, on a phone with a slow cable (50 ms a round trip), so a fault lands mid-run. */
  const restartWithSlowPhone = async () => {
    await engine.close();
    await sim.close();
    sim = await PhoneSimulator.start({ socketPath: path.join(root, 'usbmuxd2'), stateDir: path.join(root, 'state2') });
    phone = sim.addPhone({ cameraRoll: DEMO_ROLL, name: 'Slow iPhone', latencyMs: 50 });
    const watcher = new DeviceWatcher({ usbmux: new UsbmuxClient({ address: sim.address }) });
    engine = new Engine({ dataDir: path.join(root, 'data2'), transport: 'websocket', watcher });
    events.length = 0;
    engine.onEvent((m) => events.push(m));
    await engine.start();
  };
  const progress = () =>
    events
      .filter((e) => e.event === 'backup.progress')
      .map((e) => e.payload as { filesDone: number; filesTotal: number });

  it('says the run waits for the phone while the cable is out, and goes on when it is back', async () => {
    await restartWithSlowPhone();
    const folder = mkdtempSync(path.join(root, 'backup-'));
    await dispatch(engine, 'settings.update', { destination: { type: 'local', path: folder } });
    await until(() => events.some((e) => e.event === 'library.scanned'));

    const started = await dispatch(engine, 'backup.start', { udid: phone.udid });
    expect(started).toMatchObject({ ok: true, result: { state: 'running', summary: null, error: null } });
    await until(() => progress().some((p) => p.filesDone > 0));
    expect(ended(phone.udid)).not.toContain('completed');
    phone.detach();
    await until(() => ended(phone.udid).includes('waiting-for-phone'));
    phone.attach();
    await until(() => ended(phone.udid).includes('completed'), 60_000);
    const total = progress().at(-1)!.filesTotal;
    const run = lastRun(phone.udid)!;
    expect(run.error).toBeNull();
    expect(run.summary!.failed).toBe(0);
    expect(run.summary!.copied + run.summary!.deduplicated).toBe(total);
  });

  it('says why a run stopped when the backup folder goes away mid-run (a NAS unmounted), and what to do', async () => {
    await restartWithSlowPhone();
    const folder = mkdtempSync(path.join(root, 'nas-'));
    await dispatch(engine, 'settings.update', { destination: { type: 'local', path: folder } });
    await until(() => events.some((e) => e.event === 'library.scanned'));
    await dispatch(engine, 'backup.start', { udid: phone.udid });
    await until(() => progress().some((p) => p.filesDone > 0));
    rmSync(folder, { recursive: true, force: true });
    await until(() => ['failed', 'completed'].some((s) => ended(phone.udid).includes(s)), 60_000);
    const run = lastRun(phone.udid)!;
    expect(run.state).toBe('failed');
    expect(run.error).toMatchObject({ code: 'destination.unavailable', hint: expect.stringMatching(/mount/) });
    expect(run.error!.message).toContain(folder);
    // What was verified before the folder went away is counted, and nothing more.
    expect(run.summary!.copied).toBeGreaterThan(0);
    expect(run.summary!.copied).toBeLessThan(progress().at(-1)!.filesTotal);
  });
});
