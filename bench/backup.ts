/**
 * Backup pipeline benchmark: one simulator (in its own process) serving one folder as two phones,
 * one on an unlimited link and one on a USB 2 link (35 MB/s, 1 ms a round trip). Every figure
 * is a ratio against something measured in the same run:
 *
 *   1. unlimited link: the pipeline (read + hash + write + read back + verify) / our raw AFC
 *      read of the same photos                                                  goal ≥ 0.90
 *   2. usb2: N real-size photos, time / (bytes ÷ 35 MB/s)                        goal ≤ 1.10
 *   3. usb2: 5,000 files of 100 kB, throughput / 35 MB/s                         goal ≥ 0.80
 *   4. unlimited: a peer doing the same job (libimobiledevice's AFC client from Python, copying
 *      the same photos to a folder and hashing them) / our pipeline, in time    goal ≥ 2×
 *   5. a 2 GB video backed up: peak RSS of this process                          goal < 300 MB
 *
 * Photos are random bytes (no compression anywhere can flatter a figure), sized like an
 * iPhone's (1.5-3.5 MB); the video is one file of --video-mb. The video runs first, so the
 * process's peak RSS (getrusage maxrss) is the video's.
 *
 *   npx tsx bench/backup.ts [--photos 2000] [--fast-photos 500] [--small 5000] [--small-kb 100]
 *                           [--video-mb 2048] [--concurrency 4] [--skip video,fast,peer,usb2,small]
 */
import { processCpuSeconds, startSimulatorProcess, type SimulatorProcess } from './lib/simulator';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import type { Asset } from '../src/shared/asset';
import { backupPhone } from '../src/main/backup/backup-phone';
import type { BackupSummary } from '../src/main/backup/backup-run';
import { openDestination } from '../src/main/backup/open-destination';
import { watcherPhoneLink } from '../src/main/backup/phone-files';
import { Catalog } from '../src/main/catalog/database';
import { AfcPool } from '../src/main/device/afc/afc-pool';
import type { DeviceSession } from '../src/main/device/device-session';
import { DeviceWatcher } from '../src/main/device/device-watcher';
import { UsbmuxClient } from '../src/main/device/usbmux/client';

const args = Object.fromEntries(
  process.argv.slice(2).flatMap((arg, i, all) => (arg.startsWith('--') ? [[arg.slice(2), all[i + 1] ?? '']] : [])),
) as Record<string, string>;
const PHOTOS = Number(args.photos ?? 2000);
const FAST_PHOTOS = Math.min(PHOTOS, Number(args['fast-photos'] ?? 500));
const SMALL = Number(args.small ?? 5000);
const SMALL_KB = Number(args['small-kb'] ?? 100);
const VIDEO_MB = Number(args['video-mb'] ?? 2048);
const CONCURRENCY = Number(args.concurrency ?? 4);
const SKIP = new Set((args.skip ?? '').split(',').filter(Boolean));
const USB2_BYTES_PER_SECOND = 35_000_000;
const MB = 1_000_000;

interface PhoneFile {
  path: string;
  size: number;
}

/** Writes the roll: photos, small files and the video, streamed from one random pool. */
async function makeRoll(media: string): Promise<{ photos: PhoneFile[]; small: PhoneFile[]; video: PhoneFile }> {
  const pool = randomBytes(4 * 1024 * 1024);
  let serial = 0;
  const write = async (afcPath: string, size: number): Promise<PhoneFile> => {
    const file = path.join(media, afcPath);
    await mkdir(path.dirname(file), { recursive: true });
    // Each file starts with its own serial number: distinct contents, so nothing deduplicates.
    pool.writeUInt32LE(++serial, 0);
    if (size <= pool.length) {
      await writeFile(file, pool.subarray(0, size));
    } else {
      const out = createWriteStream(file);
      for (let at = 0; at < size; at += pool.length) {
        const part = Buffer.from(pool.subarray(0, Math.min(pool.length, size - at)));
        part.writeUInt32LE(at / pool.length, 4);
        if (!out.write(part)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      }
      await new Promise<void>((resolve, reject) =>
        out.end((error?: Error | null) => (error ? reject(error) : resolve())),
      );
    }
    return { path: afcPath, size };
  };
  const photos: PhoneFile[] = [];
  for (let i = 0; i < PHOTOS; i++) {
    const folder = `DCIM/${100 + Math.floor(i / 999)}APPLE`;
    photos.push(
      await write(`${folder}/IMG_${String((i % 999) + 1).padStart(4, '0')}.HEIC`, 1_500_000 + ((i * 7919) % 2_000_000)),
    );
  }
  const small: PhoneFile[] = [];
  for (let i = 0; i < SMALL; i++) {
    const folder = `DCIM/${300 + Math.floor(i / 999)}APPLE`;
    small.push(await write(`${folder}/IMG_${String((i % 999) + 1).padStart(4, '0')}.JPG`, SMALL_KB * 1000));
  }
  // Not written when its case is skipped: 2 GB of setup for nothing.
  const video = SKIP.has('video')
    ? { path: 'DCIM/999APPLE/IMG_9999.MOV', size: 0 }
    : await write('DCIM/999APPLE/IMG_9999.MOV', VIDEO_MB * MB);
  return { photos, small, video };
}

function assetsOf(files: PhoneFile[]): Asset[] {
  return files.map((file, i) => ({
    id: file.path,
    kind: 'photo',
    captureTime: { utcMs: Date.UTC(2024, 0, 1) + i * 60_000, offsetMinutes: 60, source: 'library' },
    flags: { favorite: false, hidden: false, recentlyDeleted: false, iCloudOnly: false },
    originalName: path.posix.basename(file.path),
    resources: [{ role: 'original', path: file.path, size: file.size, mtimeMs: 1_700_000_000_000 }],
  }));
}

/** Backs `files` up from `udid` into a fresh folder with a fresh catalog; returns the summary. */
async function pipeline(
  work: string,
  watcher: DeviceWatcher,
  udid: string,
  files: PhoneFile[],
): Promise<BackupSummary> {
  const root = await mkdtemp(path.join(work, 'dest-'));
  const catalog = Catalog.open(path.join(root, '..', `${path.basename(root)}.sqlite`));
  const { destination, id } = await openDestination(root, catalog);
  try {
    const summary = await backupPhone({
      catalog,
      destination,
      destinationId: id,
      link: watcherPhoneLink(watcher, udid),
      assets: assetsOf(files),
      concurrency: CONCURRENCY,
    });
    const distinct = files.length;
    if (summary.state !== 'completed' || summary.copied !== distinct) {
      throw new Error(`backup ended ${summary.state}: ${JSON.stringify(summary)}`);
    }
    return summary;
  } finally {
    await destination.close();
    catalog.close();
    await rm(root, { recursive: true, force: true });
  }
}

/** Our raw AFC read of the same files: the same pool shape, bytes drained, nothing hashed or written. */
async function rawRead(session: DeviceSession, files: PhoneFile[], inFlight = CONCURRENCY): Promise<number> {
  // Up to 4 connections, as the pipeline's (backup-phone.ts); more files share them, pipelined.
  const connections = Math.min(CONCURRENCY, 4);
  const pool = new AfcPool(() => session.openAfc(), {
    size: connections,
    callersPerConnection: Math.ceil(inFlight / connections),
  });
  const start = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < files.length) {
        const file = files[next++]!;
        await pool.use(async (client) => {
          // The reader the pipeline uses (recycled buffers), so the two differ only by what the pipeline adds.
          for await (const _chunk of client.readChunks(`/${file.path}`)) {
            // drained
          }
        });
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  await pool.close();
  return seconds;
}

/** libimobiledevice's C AFC client (through bench/lib's Python driver) copying to a folder and hashing. */
const PEER_COPY = `
import hashlib, importlib.util, json, os, sys, time, ctypes
spec = importlib.util.spec_from_file_location("peer", sys.argv[1]); peer = importlib.util.module_from_spec(spec); spec.loader.exec_module(peer)
out_dir = sys.argv[2]
paths = [line.strip() for line in sys.stdin if line.strip()]
afc = peer.Afc()
start = time.perf_counter(); total = 0
for i, path in enumerate(paths):
    digest = hashlib.sha256()
    with open(os.path.join(out_dir, str(i)), "wb") as out:
        for buffer, length in afc.chunks(path, 1 << 20):
            data = ctypes.string_at(buffer, length)
            digest.update(data); out.write(data); total += length
    digest.hexdigest()
cpu = os.times()
print(json.dumps({"bytes": total, "seconds": time.perf_counter() - start, "cpuSeconds": cpu.user + cpu.system}))
`;

async function peerCopy(
  work: string,
  address: string,
  udid: string,
  files: PhoneFile[],
): Promise<{ seconds: number; cpuSeconds: number }> {
  const out = await mkdtemp(path.join(work, 'peer-'));
  try {
    const child = spawn('/usr/bin/python3', ['-c', PEER_COPY, path.resolve('bench/lib/libimobiledevice-afc.py'), out], {
      env: { ...process.env, USBMUXD_SOCKET_ADDRESS: address, RK_UDID: udid },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    child.stdin!.end(files.map((f) => `/${f.path}`).join('\n'));
    let stdout = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (code !== 0) throw new Error(`peer exited with ${code}`);
    const result = JSON.parse(stdout) as { bytes: number; seconds: number; cpuSeconds: number };
    const expected = files.reduce((sum, f) => sum + f.size, 0);
    if (result.bytes !== expected) throw new Error(`peer copied ${result.bytes} bytes, expected ${expected}`);
    return result;
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

/** What a phase cost: CPU seconds per GB of this process and of the simulator, and how busy the main thread was. */
interface Cost {
  clientCpuPerGB: number;
  /** The kernel's share of clientCpuPerGB (socket reads, file writes, fsync, read-back). */
  clientSystemPerGB: number;
  /** CPU of this process's main (JavaScript) thread alone: 1 / this is the most it can carry. */
  mainThreadCpuPerGB: number;
  simulatorCpuPerGB: number;
  mainThreadBusy: number;
}

async function costOf<T>(sim: SimulatorProcess, bytes: number, run: () => Promise<T>): Promise<[T, Cost]> {
  const cpu = process.cpuUsage();
  const mainBefore = processCpuSeconds(process.pid, process.pid) ?? NaN;
  const simBefore = sim.cpuSeconds() ?? NaN;
  const loop = performance.eventLoopUtilization();
  const result = await run();
  const used = process.cpuUsage(cpu);
  const gb = bytes / 1e9;
  return [
    result,
    {
      clientCpuPerGB: (used.user + used.system) / 1e6 / gb,
      clientSystemPerGB: used.system / 1e6 / gb,
      mainThreadCpuPerGB: ((processCpuSeconds(process.pid, process.pid) ?? NaN) - mainBefore) / gb,
      simulatorCpuPerGB: ((sim.cpuSeconds() ?? NaN) - simBefore) / gb,
      mainThreadBusy: performance.eventLoopUtilization(loop).utilization,
    },
  ];
}

const costLine = (label: string, cost: Cost) =>
  `   ${label}: CPU ${cost.clientCpuPerGB.toFixed(2)} s/GB here (${cost.clientSystemPerGB.toFixed(2)} of it in the kernel) + ${cost.simulatorCpuPerGB.toFixed(2)} s/GB in the simulator; ` +
  `main thread ${(cost.mainThreadBusy * 100).toFixed(0)}% busy, ${cost.mainThreadCpuPerGB.toFixed(2)} CPU-s/GB ` +
  `(alone it could carry ${(1000 / cost.mainThreadCpuPerGB).toFixed(0)} MB/s)`;

/**
 * What a goal would take at the CPU per GB this run measured for the pipeline (here and in the
 * simulator, which shares the machine): cores = rate × CPU seconds per byte.
 */
const coresNeeded = (goal: string, bytesPerSecond: number, cost: Cost) =>
  `   ${goal} = ${mbps(bytesPerSecond, 1)} would need ` +
  `${((bytesPerSecond / 1e9) * (cost.clientCpuPerGB + cost.simulatorCpuPerGB)).toFixed(2)} cores at this CPU per GB ` +
  `(this machine has ${availableParallelism()})`;

const mbps = (bytes: number, seconds: number) => `${(bytes / MB / seconds).toFixed(1)} MB/s`;
const bytesOf = (files: PhoneFile[]) => files.reduce((sum, f) => sum + f.size, 0);
const verdict = (ok: boolean) => (ok ? 'meets the goal' : 'MISSES the goal');

async function main(): Promise<void> {
  const work = await mkdtemp(path.join(tmpdir(), 'rk-bench-backup-'));
  const media = path.join(work, 'Media');
  console.log(
    `Backup benchmark: ${PHOTOS} photos (${FAST_PHOTOS} on the unlimited link), ${SMALL} × ${SMALL_KB} kB, ` +
      `a ${VIDEO_MB} MB video; concurrency ${CONCURRENCY}; node ${process.version}`,
  );
  const roll = await makeRoll(media);
  const sim = await startSimulatorProcess(media, [
    { name: 'unlimited', link: 'unlimited' },
    { name: 'usb2', link: 'usb2' },
  ]);
  const watcher = new DeviceWatcher({ usbmux: new UsbmuxClient({ address: sim.address }) });
  await watcher.start();
  const ready = (name: string) => watcher.waitFor((s) => s.udid === sim.udids[name] && s.state === 'ready', 20_000);
  const fast = await ready('unlimited');
  const usb2 = await ready('usb2');
  const lines: string[] = [];
  const say = (line: string) => {
    console.log(line);
    lines.push(line);
  };
  try {
    if (!SKIP.has('video')) {
      const before = process.resourceUsage().maxRSS * 1024;
      const summary = await pipeline(work, watcher, fast.udid, [roll.video]);
      const peak = process.resourceUsage().maxRSS * 1024;
      say(
        `5. ${VIDEO_MB} MB video, unlimited link: ${mbps(summary.bytes, summary.seconds)}; peak RSS ${(peak / MB).toFixed(0)} MB ` +
          `(${(before / MB).toFixed(0)} MB before it) → ${verdict(peak < 300 * MB)} (< 300 MB)`,
      );
    }

    const fastPhotos = roll.photos.slice(0, FAST_PHOTOS);
    const fastBytes = bytesOf(fastPhotos);
    await rawRead(fast, fastPhotos.slice(0, 50)); // warm-up: connections, page cache, JIT
    const [rawSeconds, rawCost] = SKIP.has('fast')
      ? [0, undefined]
      : await costOf(sim, fastBytes, () => rawRead(fast, fastPhotos));
    const [ours, oursCost] = SKIP.has('fast')
      ? [undefined, undefined]
      : await costOf(sim, fastBytes, () => pipeline(work, watcher, fast.udid, fastPhotos));
    if (ours && rawCost && oursCost) {
      const ratio1 = rawSeconds / ours.seconds;
      say(
        `1. unlimited link, ${FAST_PHOTOS} photos (${(fastBytes / MB).toFixed(0)} MB): pipeline ${mbps(fastBytes, ours.seconds)}, ` +
          `raw AFC read ${mbps(fastBytes, rawSeconds)} → ratio ${ratio1.toFixed(2)} ${verdict(ratio1 >= 0.9)} (≥ 0.90)`,
      );
      say(costLine('raw AFC read', rawCost));
      say(costLine('pipeline', oursCost));
      say(coresNeeded('0.9 × the raw read', (0.9 * fastBytes) / rawSeconds, oursCost));
    }

    if (ours && !SKIP.has('peer')) {
      const peer = await peerCopy(work, sim.address, fast.udid, fastPhotos);
      const ratio4 = peer.seconds / ours.seconds;
      say(
        `4. same photos, libimobiledevice (Python) copy + SHA-256: ${mbps(fastBytes, peer.seconds)}; ` +
          `ours ${ratio4.toFixed(2)}× faster → ${verdict(ratio4 >= 2)} (≥ 2×)`,
      );
      say(`   peer: CPU ${(peer.cpuSeconds / (fastBytes / 1e9)).toFixed(2)} s/GB (no fsync, no read-back)`);
      if (oursCost) say(coresNeeded('2 × the peer', (2 * fastBytes) / peer.seconds, oursCost));
      // The pipeline cannot outrun its own first step: reading the same files off the phone.
      say(
        `   2 × the peer against our raw AFC read of the same files (nothing hashed or written): ` +
          `${((2 * rawSeconds) / peer.seconds).toFixed(2)}× of it`,
      );
    }

    if (!SKIP.has('usb2')) {
      const summary = await pipeline(work, watcher, usb2.udid, roll.photos);
      const ideal = bytesOf(roll.photos) / USB2_BYTES_PER_SECOND;
      const ratio2 = summary.seconds / ideal;
      say(
        `2. usb2 link, ${PHOTOS} photos (${(bytesOf(roll.photos) / MB).toFixed(0)} MB): ${summary.seconds.toFixed(1)} s, ` +
          `link-bound ${ideal.toFixed(1)} s → ratio ${ratio2.toFixed(3)} ${verdict(ratio2 <= 1.1)} (≤ 1.10)`,
      );
    }

    if (!SKIP.has('small')) {
      const summary = await pipeline(work, watcher, usb2.udid, roll.small);
      const rate = bytesOf(roll.small) / summary.seconds;
      const ratio3 = rate / USB2_BYTES_PER_SECOND;
      say(
        `3. usb2 link, ${SMALL} × ${SMALL_KB} kB: ${mbps(bytesOf(roll.small), summary.seconds)}, ` +
          `${(SMALL / summary.seconds).toFixed(0)} files/s → ratio ${ratio3.toFixed(2)} of the link ${verdict(ratio3 >= 0.8)} (≥ 0.80)`,
      );
      // Second reference: what the simulated cable really lets a raw AFC read of the same files
      // reach (nothing hashed or written), with `concurrency` files in flight and with 16.
      for (const inFlight of [CONCURRENCY, 16]) {
        const rawSeconds = await rawRead(usb2, roll.small, inFlight);
        say(
          `   raw AFC read of the same files on usb2, ${inFlight} in flight: ${mbps(bytesOf(roll.small), rawSeconds)}, ` +
            `${(SMALL / rawSeconds).toFixed(0)} files/s = ${(bytesOf(roll.small) / rawSeconds / USB2_BYTES_PER_SECOND).toFixed(2)} of the link`,
        );
      }
    }
  } finally {
    watcher.stop();
    await sim.stop();
    await rm(work, { recursive: true, force: true });
  }
}

await main();
