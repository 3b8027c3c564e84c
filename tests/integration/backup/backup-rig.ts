/**
 * A backup test rig: a generated camera roll on a simulated phone behind the simulator's
 * usbmuxd, a DeviceWatcher following it (so pulled cables and re-plugs are seen as in the app),
 * a catalog in a temp folder and a temp destination folder. The roll's manifest is the truth.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Asset } from '../../../src/shared/asset';
import { backupPhone, type BackupPhoneOptions } from '../../../src/main/backup/backup-phone';
import type { BackupSummary } from '../../../src/main/backup/backup-run';
import { openDestination } from '../../../src/main/backup/open-destination';
import { watcherPhoneLink } from '../../../src/main/backup/phone-files';
import { Catalog } from '../../../src/main/catalog/database';
import { LocalDestination } from '../../../src/main/destinations/local/local-destination';
import type { LocalFs } from '../../../src/main/destinations/local/local-fs';
import { DeviceWatcher } from '../../../src/main/device/device-watcher';
import { UsbmuxClient } from '../../../src/main/device/usbmux/client';
import { makeCameraRoll } from '../../../src/simulator/camera-roll/generate';
import type { CameraRollManifest, CameraRollOptions } from '../../../src/simulator/camera-roll/manifest';
import { readManifest } from '../../../src/simulator/camera-roll/generate';
import type { SimulatedPhoneOptions } from '../../../src/simulator/simulated-phone';
import { PhoneSimulator } from '../../../src/simulator/phone-simulator';
import type { SimulatedPhone } from '../../../src/simulator/simulated-phone';
import { SeededRandom } from '../../../src/simulator/camera-roll/random';

/** The assets a scanner would report for a generated roll (its library view). */
export function assetsFromManifest(manifest: CameraRollManifest): Asset[] {
  return manifest.assets.map((a) => ({
    id: a.uuid,
    kind: a.kind,
    captureTime: { utcMs: a.captureTime.utcMs, offsetMinutes: a.captureTime.offsetMinutes, source: 'library' },
    flags: a.flags,
    originalName: a.originalName,
    resources: a.resources.map((r) => ({ role: r.role, path: r.path, size: r.size, mtimeMs: r.mtimeMs })),
  }));
}

export interface Rig {
  dir: string;
  sim: PhoneSimulator;
  watcher: DeviceWatcher;
  catalogFile: string;
  destRoot: string;
  /** Points the rig at a new, empty catalog and backup folder (for one more trial). */
  fresh(): Promise<void>;
  addPhone(roll: Partial<CameraRollOptions>, options?: Partial<SimulatedPhoneOptions>): Promise<RigPhone>;
  /** Opens catalog and destination, backs up `phone`, closes both. */
  backup(
    phone: RigPhone,
    options?: Partial<BackupPhoneOptions> & { destRoot?: string; fs?: LocalFs },
  ): Promise<BackupSummary>;
  withCatalog<T>(use: (catalog: Catalog) => T): T;
  close(): Promise<void>;
}

export interface RigPhone {
  phone: SimulatedPhone;
  media: string;
  manifest: CameraRollManifest;
  assets: Asset[];
  /** Every file of every asset on the phone, by path. */
  files: Map<string, { size: number; sha256: string }>;
}

export async function startRig(): Promise<Rig> {
  const dir = await mkdtemp(path.join(tmpdir(), 'rk-backup-'));
  const sim = await PhoneSimulator.start();
  const watcher = new DeviceWatcher({
    usbmux: new UsbmuxClient({ address: sim.address }),
    retryMs: 100,
    reconnectMs: 100,
  });
  await watcher.start();
  const catalogFile = path.join(dir, 'data', 'catalog.sqlite');
  const destRoot = path.join(dir, 'dest');
  await import('node:fs/promises').then((fs) => fs.mkdir(destRoot, { recursive: true }));
  let phones = 0;
  let trials = 0;
  const rig: Rig = {
    dir,
    sim,
    watcher,
    catalogFile,
    destRoot,
    async fresh() {
      trials++;
      rig.catalogFile = path.join(dir, `data-${trials}`, 'catalog.sqlite');
      rig.destRoot = path.join(dir, `dest-${trials}`);
      await import('node:fs/promises').then((fs) => fs.mkdir(rig.destRoot, { recursive: true }));
    },
    async addPhone(roll, options = {}) {
      const media = path.join(dir, `phone-${++phones}`);
      await makeCameraRoll(media, { size: 'tiny', ...roll });
      const manifest = readManifest(media);
      const phone = sim.addPhone({ cameraRoll: media, ...options });
      await watcher.waitFor((s) => s.udid === phone.udid && s.state === 'ready', 10_000);
      const files = new Map<string, { size: number; sha256: string }>();
      for (const a of manifest.assets)
        for (const r of a.resources) files.set(r.path, { size: r.size, sha256: r.sha256 });
      return { phone, media, manifest, assets: assetsFromManifest(manifest), files };
    },
    async backup(rigPhone, options = {}) {
      const catalog = Catalog.open(rig.catalogFile);
      const root = options.destRoot ?? rig.destRoot;
      const destination = options.fs
        ? await LocalDestination.open(root, { fs: options.fs })
        : (await openDestination(root, catalog)).destination;
      const id = (destination as LocalDestination).id;
      catalog.destinations.upsert(id, 'local', root);
      try {
        return await backupPhone({
          catalog,
          destination,
          destinationId: id,
          link: watcherPhoneLink(watcher, rigPhone.phone.udid),
          assets: rigPhone.assets,
          ...options,
        });
      } finally {
        await destination.close();
        catalog.close();
      }
    },
    withCatalog(use) {
      const catalog = Catalog.open(rig.catalogFile);
      try {
        return use(catalog);
      } finally {
        catalog.close();
      }
    },
    async close() {
      watcher.stop();
      await sim.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return rig;
}

export async function sha256File(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
}

/** Every file in a backup folder outside its `.rollkeeper` metadata, as relative paths. */
export async function storedFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .filter((p) => !p.startsWith('.rollkeeper/'));
}

/**
 * The guarantees after any fault: every file in the backup folder is byte-identical to one of
 * the phone's files, and every copy the catalog calls verified is there with the right bytes.
 * Returns the contents (SHA-256) stored.
 */
export async function checkConsistent(
  rig: Rig,
  root: string,
  phoneFiles: Iterable<{ sha256: string }>,
): Promise<Set<string>> {
  const phone = new Set([...phoneFiles].map((f) => f.sha256));
  const stored = new Set<string>();
  for (const file of await storedFiles(root)) {
    const sha = await sha256File(path.join(root, file));
    if (!phone.has(sha)) throw new Error(`${file} in the backup folder matches no file on the phone`);
    stored.add(sha);
  }
  const verified = rig.withCatalog((catalog) =>
    catalog.destinations.list().flatMap((d) => catalog.copies.inState(d.id, 'verified', 1_000_000)),
  );
  for (const copy of verified) {
    const file = path.join(root, copy.location ?? '');
    const sha = await sha256File(file).catch(() => 'unreadable');
    if (sha !== copy.sha256) throw new Error(`the catalog says verified for ${copy.location}, but its bytes differ`);
  }
  return stored;
}

/** A seeded source of numbers in [0, 1) for a trial, so a failing trial can be replayed. */
export function trialRandom(seed: number): () => number {
  const random = new SeededRandom(`trial-${seed}`);
  return () => random.next();
}
