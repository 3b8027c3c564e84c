/**
 * AFC read benchmark: one simulator (in its own process), the same files, read by
 *   - our client (src/main/device/afc): its Readable with FILE_READ sizes of 1/2/4/8 MiB, and its
 *     recycling reader (readChunks, replies read into a ring of reused buffers; what the backup
 *     uses) at 4 MiB,
 *   - libimobiledevice's AFC client (C library, from /usr/bin/python3: bench/lib/libimobiledevice-afc.py),
 *   - appium-ios-device (JS peer; it honours USBMUXD_SOCKET_ADDRESS),
 * and, as a ceiling, a bare reader that throws the bytes away (bench/lib/bare-afc-reader.ts),
 * then many small files over a 1 ms link, ours pipelined vs ours one request at a time.
 * Prints throughput, client and simulator CPU per GiB, and the goal ratios. Nothing is hashed or
 * written while timed (only the read path); afterwards every large file is read once more through
 * our stream and its sha256 compared with the source.
 *
 *   npx tsx bench/afc-read.ts [--large-files 3] [--large-mb 128] [--small-files 5000] [--small-kb 100]
 */
import { startSimulatorProcess, type SimulatorProcess } from './lib/simulator';
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import type { AfcClient } from '../src/main/device/afc/afc-client';
import { AfcPool } from '../src/main/device/afc/afc-pool';
import { DeviceSession } from '../src/main/device/device-session';
import { UsbmuxClient } from '../src/main/device/usbmux/client';
import { bareRead } from './lib/bare-afc-reader';

const MiB = 1024 * 1024;
const args = Object.fromEntries(
  process.argv.slice(2).flatMap((arg, i, all) => (arg.startsWith('--') ? [[arg.slice(2), all[i + 1] ?? '']] : [])),
) as Record<string, string>;
const LARGE_FILES = Number(args['large-files'] ?? 3);
const LARGE_MB = Number(args['large-mb'] ?? 128);
const SMALL_FILES = Number(args['small-files'] ?? 5000);
const SMALL_KB = Number(args['small-kb'] ?? 100);
/** Peers on small files are slow (one request at a time); they read this many of them. */
const PEER_SMALL_FILES = Math.min(SMALL_FILES, Number(args['peer-small-files'] ?? 1000));
/** Large-file rounds; each client's best round counts (the machine may be busy with other work). */
const ROUNDS = Number(args.rounds ?? 3);

interface Result {
  label: string;
  bytes: number;
  files: number;
  seconds: number;
  /** CPU time the client itself used (user + system), seconds. */
  cpuSeconds: number;
  /** CPU time the simulator used meanwhile, seconds (Linux only). */
  serverCpuSeconds?: number;
}
const mbps = (r: Result): number => r.bytes / 1e6 / r.seconds;
const filesPerSecond = (r: Result): number => r.files / r.seconds;

async function makeData(root: string): Promise<{ large: string[]; small: string[]; sha256: Map<string, string> }> {
  const large: string[] = [];
  const sha256 = new Map<string, string>();
  const small: string[] = [];
  await mkdir(path.join(root, 'DCIM/100APPLE'), { recursive: true });
  for (let i = 0; i < LARGE_FILES; i++) {
    const afcPath = `/DCIM/100APPLE/IMG_${String(i + 1).padStart(4, '0')}.MOV`;
    // Written 8 MiB at a time, so this process never holds a whole file (its heap stays small
    // and its garbage collector quiet for the clients measured here).
    const file = await open(path.join(root, afcPath), 'w');
    const hash = createHash('sha256');
    for (let at = 0; at < LARGE_MB * MiB; at += 8 * MiB) {
      const bytes = randomBytes(Math.min(8 * MiB, LARGE_MB * MiB - at));
      hash.update(bytes);
      await file.write(bytes);
    }
    await file.close();
    large.push(afcPath);
    sha256.set(afcPath, hash.digest('hex'));
  }
  const content = randomBytes(SMALL_KB * 1000);
  for (let i = 0; i < SMALL_FILES; i++) {
    // Camera folders hold up to 999 files (101APPLE, 102APPLE …).
    const folder = `/DCIM/${101 + Math.floor(i / 999)}APPLE`;
    if (i % 999 === 0) await mkdir(path.join(root, folder), { recursive: true });
    const afcPath = `${folder}/IMG_${String((i % 999) + 1).padStart(4, '0')}.JPG`;
    content.writeUInt32LE(i, 0); // distinct files
    await writeFile(path.join(root, afcPath), content);
    small.push(afcPath);
  }
  // Warm the page cache so every client reads from memory, not from the disk (in another
  // process: reading 1 GB here would leave this one's heap and GC in a different state).
  spawnSync('sh', ['-c', 'find "$0" -type f -exec cat {} + > /dev/null', root], { stdio: 'inherit' });
  return { large, small, sha256 };
}

/** The simulator, for its CPU column. */
let server: SimulatorProcess | undefined;

/** Runs `run` and adds the simulator's CPU time meanwhile to its result. */
async function withServerCpu(run: () => Promise<Result>): Promise<Result> {
  const before = server?.cpuSeconds();
  const result = await run();
  const after = server?.cpuSeconds();
  return before === undefined || after === undefined ? result : { ...result, serverCpuSeconds: after - before };
}

async function timed(label: string, files: number, run: () => Promise<number>): Promise<Result> {
  const start = performance.now();
  const cpu = process.cpuUsage();
  const bytes = await run();
  const used = process.cpuUsage(cpu);
  return {
    label,
    bytes,
    files,
    seconds: (performance.now() - start) / 1000,
    cpuSeconds: (used.user + used.system) / 1e6,
  };
}

/** The sha256 of a file read through one of our readers (outside any timing: checks the bytes, not the speed). */
async function sha256Through(client: AfcClient, file: string, reader: 'readable' | 'recycled'): Promise<string> {
  const hash = createHash('sha256');
  const chunks = reader === 'readable' ? client.createReadStream(file) : client.readChunks(file);
  for await (const chunk of chunks) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Counts a stream's bytes in flowing mode, as a pipeline to a hash or a file consumes it. */
function drainStream(stream: NodeJS.ReadableStream): Promise<number> {
  let bytes = 0;
  return new Promise((resolve, reject) => {
    stream.on('data', (chunk: Buffer) => (bytes += chunk.length));
    stream.once('end', () => resolve(bytes));
    stream.once('error', reject);
  });
}

async function oursSequential(client: AfcClient, files: string[], chunkSize: number): Promise<number> {
  let bytes = 0;
  for (const file of files) bytes += await drainStream(client.createReadStream(file, { chunkSize }));
  return bytes;
}

/** The same through the recycling reader (each chunk done with before the next is asked for). */
async function oursRecycledSequential(client: AfcClient, files: string[], chunkSize: number): Promise<number> {
  let bytes = 0;
  for (const file of files) for await (const chunk of client.readChunks(file, { chunkSize })) bytes += chunk.length;
  return bytes;
}

/** Reads `files` (each `size` bytes, known from the listing as in a backup) with `inFlight` at once. */
async function oursConcurrent(pool: AfcPool, files: string[], size: number, inFlight: number): Promise<number> {
  let bytes = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < files.length) {
        const file = files[next++]!;
        const read = await pool.use((client) => drainStream(client.createReadStream(file, { end: size - 1 })));
        bytes += read;
      }
    }),
  );
  return bytes;
}

async function python(address: string, udid: string, chunk: number, files: string[], label: string): Promise<Result> {
  const child = spawn('/usr/bin/python3', [path.resolve('bench/lib/libimobiledevice-afc.py'), 'read', String(chunk)], {
    env: { ...process.env, USBMUXD_SOCKET_ADDRESS: address, RK_UDID: udid },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  child.stdin!.end(files.join('\n'));
  const stdout = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`python peer exited with ${code}`))));
  });
  const { bytes, seconds, cpuSeconds } = JSON.parse(stdout) as { bytes: number; seconds: number; cpuSeconds: number };
  return { label, bytes, files: files.length, seconds, cpuSeconds };
}

interface AppiumAfc {
  createReadStream(path: string, options: object): Promise<NodeJS.ReadableStream>;
  close(): void;
}

async function appium(
  address: string,
  udid: string,
  files: string[],
  highWaterMark: number | undefined,
  label: string,
): Promise<Result> {
  process.env.USBMUXD_SOCKET_ADDRESS = address;
  const { services } = createRequire(import.meta.url)('appium-ios-device') as {
    services: { startAfcService(udid: string): Promise<AppiumAfc> };
  };
  const afc = await services.startAfcService(udid);
  try {
    return await timed(label, files.length, async () => {
      let bytes = 0;
      for (const file of files) {
        const stream = await afc.createReadStream(file, {
          autoDestroy: true,
          ...(highWaterMark ? { highWaterMark } : {}),
        });
        bytes += await drainStream(stream);
      }
      return bytes;
    });
  } finally {
    afc.close();
  }
}

function table(title: string, results: Result[]): void {
  console.log(`\n${title}`);
  const perGiB = (seconds: number, r: Result): string =>
    ((seconds * 1000) / (r.bytes / 2 ** 30)).toFixed(0).padStart(6);
  for (const r of results) {
    const server = r.serverCpuSeconds === undefined ? '' : ` ${perGiB(r.serverCpuSeconds, r)} simulator CPU ms/GiB`;
    console.log(
      `  ${r.label.padEnd(48)} ${mbps(r).toFixed(1).padStart(8)} MB/s ${filesPerSecond(r).toFixed(0).padStart(7)} files/s ${r.seconds.toFixed(2).padStart(7)} s ${perGiB(r.cpuSeconds, r)} client CPU ms/GiB${server}`,
    );
  }
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'rk-bench-afc-'));
  const media = path.join(dir, 'Media');
  console.log(
    `AFC read benchmark: ${LARGE_FILES} × ${LARGE_MB} MiB, ${SMALL_FILES} × ${SMALL_KB} kB; node ${process.version}`,
  );
  const { large, small, sha256 } = await makeData(media);
  const sim = await startSimulatorProcess(media, [
    // 40-hex UDIDs (pre-2018 style): appium-ios-device looks pair records up by usbmuxd's raw
    // SerialNumber, which lacks the dash of newer UDIDs, so it can only reach these.
    { name: 'unlimited', udid: 'a'.repeat(40), link: 'unlimited' },
    { name: 'latency-1ms', udid: 'b'.repeat(40), link: 'unlimited', latencyMs: 1 },
  ]);
  server = sim;
  const usbmux = new UsbmuxClient({ address: sim.address });
  const devices = await usbmux.listDevices();
  const sessionFor = async (name: string): Promise<DeviceSession> => {
    const session = new DeviceSession(
      devices.find((d) => d.udid === sim.udids[name])!,
      usbmux,
    );
    await session.refresh();
    return session;
  };
  try {
    // Large files, link unlimited.
    const fast = await sessionFor('unlimited');
    const udid = sim.udids.unlimited!;
    const largeBytes = LARGE_FILES * LARGE_MB * MiB;
    const oursAt =
      (chunk: number, recycled = false) =>
      async (label: string): Promise<Result> => {
        const client = await fast.openAfc();
        try {
          const read = recycled ? oursRecycledSequential : oursSequential;
          return await timed(label, large.length, () => read(client, large, chunk * MiB));
        } finally {
          client.close();
        }
      };
    /** Ours as the backup reads (PhoneFiles.read): the recycling reader, 4 MiB, 3 in flight. */
    const OURS_DEFAULT = 'ours, recycled, FILE_READ 4 MiB, 3 in flight';
    const OURS_COUNT = 5;
    const configs: Array<[string, (label: string) => Promise<Result>]> = [
      ...[1, 2, 4, 8].map((chunk): [string, (label: string) => Promise<Result>] => [
        `ours, FILE_READ ${chunk} MiB, 3 in flight`,
        oursAt(chunk),
      ]),
      [OURS_DEFAULT, oursAt(4, true)],
      [
        'ceiling: bare reader, bytes thrown away',
        async (label) => {
          const socket = await fast.connectService('com.apple.afc');
          try {
            return await timed(label, large.length, () => bareRead(socket, large));
          } finally {
            socket.destroy();
          }
        },
      ],
      ['libimobiledevice (python), 1 MiB reads', (label) => python(sim.address, udid, MiB, large, label)],
      ['libimobiledevice (python), 4 MiB reads', (label) => python(sim.address, udid, 4 * MiB, large, label)],
      ['appium-ios-device, default stream', (label) => appium(sim.address, udid, large, undefined, label)],
      // appium-ios-device refuses frames over 1 MB, so 512 KiB is its largest power-of-two read.
      ['appium-ios-device, highWaterMark 512 KiB', (label) => appium(sim.address, udid, large, 512 * 1024, label)],
    ];
    await oursAt(4)('warm-up');
    await oursAt(4, true)('warm-up');
    const best = new Map<string, Result>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const [label, run] of configs) {
        const result = await withServerCpu(() => run(label));
        if (result.bytes !== largeBytes) throw new Error(`${label} read ${result.bytes} bytes, expected ${largeBytes}`);
        if (!best.has(label) || mbps(result) > mbps(best.get(label)!)) best.set(label, result);
      }
    }
    const largeResults = [...best.values()];
    const ours = largeResults.slice(0, OURS_COUNT);
    const peers = largeResults.slice(OURS_COUNT + 1);
    table(`Large files, link unlimited (best of ${ROUNDS} rounds)`, largeResults);
    // Speed means nothing if the bytes are wrong: every large file once more, hashed (not timed).
    const checker = await fast.openAfc();
    for (const file of large) {
      for (const reader of ['readable', 'recycled'] as const) {
        if ((await sha256Through(checker, file, reader)) !== sha256.get(file))
          throw new Error(`${file}: bytes read through the ${reader} reader differ from the source`);
      }
    }
    checker.close();
    console.log('  (every large file read through both our readers once more: sha256 equal to the source)');
    fast.close();

    // Small files, 1 ms latency per round trip.
    const slow = await sessionFor('latency-1ms');
    const smallBytes = SMALL_FILES * SMALL_KB * 1000;
    const pipelinedPool = new AfcPool(() => slow.openAfc(), { size: 4, callersPerConnection: 8 });
    const pipelined = await timed('ours, pipelined, pool of 4, 32 files in flight', small.length, () =>
      oursConcurrent(pipelinedPool, small, SMALL_KB * 1000, 32),
    );
    await pipelinedPool.close();
    const serialPool = new AfcPool(() => slow.openAfc({ maxInFlight: 1 }), { size: 1 });
    const serial = await timed('ours, one request at a time, one connection', small.length, () =>
      oursConcurrent(serialPool, small, SMALL_KB * 1000, 1),
    );
    await serialPool.close();
    for (const r of [pipelined, serial])
      if (r.bytes !== smallBytes) throw new Error(`${r.label} read ${r.bytes} bytes, expected ${smallBytes}`);
    const slowUdid = sim.udids['latency-1ms']!;
    const smallPeers = [
      await python(
        sim.address,
        slowUdid,
        MiB,
        small.slice(0, PEER_SMALL_FILES),
        `libimobiledevice (python), first ${PEER_SMALL_FILES}`,
      ),
      await appium(
        sim.address,
        slowUdid,
        small.slice(0, PEER_SMALL_FILES),
        512 * 1024,
        `appium-ios-device, first ${PEER_SMALL_FILES}`,
      ),
    ];
    table(`Small files (${SMALL_KB} kB), 1 ms latency`, [pipelined, serial, ...smallPeers]);
    slow.close();

    const bestOurs = ours.reduce((a, b) => (mbps(a) >= mbps(b) ? a : b));
    const ours4 = best.get(OURS_DEFAULT)!;
    const oursReadable4 = ours[2]!;
    const fastestPeer = peers.reduce((a, b) => (mbps(a) >= mbps(b) ? a : b));
    console.log('\nRatios');
    console.log(
      `  large, ours (recycled, 4 MiB: the backup's reader) / fastest peer (${fastestPeer.label}): ${(mbps(ours4) / mbps(fastestPeer)).toFixed(2)}× (goal ≥ 1.5×)`,
    );
    console.log(
      `  large, ours recycled / ours Readable (both 4 MiB): ${(mbps(ours4) / mbps(oursReadable4)).toFixed(2)}× throughput, ${(oursReadable4.cpuSeconds / oursReadable4.bytes / (ours4.cpuSeconds / ours4.bytes)).toFixed(2)}× less client CPU per byte`,
    );
    console.log(
      `  large, ours best (${bestOurs.label}) / fastest peer: ${(mbps(bestOurs) / mbps(fastestPeer)).toFixed(2)}×`,
    );
    const ceiling = largeResults[OURS_COUNT]!;
    console.log(
      `  large, ceiling (bare reader) / fastest peer: ${(mbps(ceiling) / mbps(fastestPeer)).toFixed(2)}×; ours (recycled, 4 MiB) / ceiling: ${(mbps(ours4) / mbps(ceiling)).toFixed(2)}×; ours (Readable, 4 MiB) / ceiling: ${(mbps(oursReadable4) / mbps(ceiling)).toFixed(2)}×`,
    );
    // What 1.5× the fastest peer would take at the CPU per byte this run measured for ours (client +
    // simulator, which share the machine): cores = rate × CPU seconds per byte.
    if (ours4.serverCpuSeconds !== undefined) {
      const target = 1.5 * mbps(fastestPeer);
      const cpuPerMB = (ours4.cpuSeconds + ours4.serverCpuSeconds) / (ours4.bytes / 1e6);
      console.log(
        `  1.5 × the fastest peer = ${target.toFixed(0)} MB/s would need ${(target * cpuPerMB).toFixed(2)} cores at ours' CPU per byte (this machine has ${availableParallelism()})`,
      );
    }
    console.log(
      `  small, pipelined / one request at a time: ${(filesPerSecond(pipelined) / filesPerSecond(serial)).toFixed(2)}× (goal ≥ 3×)`,
    );
  } finally {
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
