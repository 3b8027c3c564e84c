/**
 * Local destination write benchmark: the same bytes, streamed in 1 MiB chunks (as they arrive
 * from the phone), written three ways into a temp folder on the same disk:
 *   - plain:    fs.createWriteStream, no hashing, no fsync (the floor: what `cp` costs, unsafely)
 *   - careful:  the same plus SHA-256 + MD5 and one fsync per file (the simple safe way)
 *   - ours:     LocalDestination.put (temp file, both hashes, fsync, journal intent fsync,
 *               rename, directory fsync, commit)
 * Prints MiB/s and the ratios ours/careful (the overhead of our crash safety and index) and
 * ours/plain (the whole cost of being safe). Run on the disk you care about with --dir.
 *
 *   npx tsx bench/local-destination-write.ts [--dir /mnt/nas] [--large-files 4] [--large-mb 64]
 *                                            [--small-files 300] [--small-kb 2048] [--rounds 3]
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { LocalDestination } from '../src/main/destinations/local/local-destination';

const MiB = 1024 * 1024;
const args = Object.fromEntries(
  process.argv.slice(2).flatMap((arg, i, all) => (arg.startsWith('--') ? [[arg.slice(2), all[i + 1] ?? '']] : [])),
) as Record<string, string>;
const BASE_DIR = args.dir ?? os.tmpdir();
const LARGE_FILES = Number(args['large-files'] ?? 4);
const LARGE_BYTES = Number(args['large-mb'] ?? 64) * MiB;
const SMALL_FILES = Number(args['small-files'] ?? 300);
const SMALL_BYTES = Number(args['small-kb'] ?? 2048) * 1024;
const ROUNDS = Number(args.rounds ?? 3);

/** One random MiB reused for every chunk; each file gets a unique first 16 bytes so dedupe never kicks in. */
const block = Buffer.alloc(MiB);
for (let i = 0; i < MiB; i += 4) block.writeUInt32LE((Math.random() * 2 ** 32) >>> 0, i);

function* chunksOf(fileIndex: number, size: number, round: string): Generator<Buffer> {
  for (let offset = 0; offset < size; offset += MiB) {
    const chunk = Buffer.from(block.subarray(0, Math.min(MiB, size - offset)));
    if (offset === 0) chunk.write(`${round}:${fileIndex}:`.padEnd(16, '.').slice(0, Math.min(16, chunk.length)));
    yield chunk;
  }
}

type Writer = (dir: string, index: number, size: number, round: string) => Promise<void>;

const plain: Writer = async (dir, index, size, round) => {
  await pipeline(Readable.from(chunksOf(index, size, round)), createWriteStream(path.join(dir, `f${index}`)));
};

const careful: Writer = async (dir, index, size, round) => {
  const sha = createHash('sha256');
  const md5 = createHash('md5');
  const handle = await fsp.open(path.join(dir, `f${index}`), 'wx');
  try {
    for (const chunk of chunksOf(index, size, round)) {
      sha.update(chunk);
      md5.update(chunk);
      await handle.write(chunk);
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  sha.digest();
  md5.digest();
};

async function measure(
  label: string,
  files: number,
  size: number,
  write: (dir: string) => Promise<Writer>,
  done: () => Promise<void> = async () => {},
): Promise<number> {
  const dir = await fsp.mkdtemp(path.join(BASE_DIR, `rk-bench-${label}-`));
  try {
    const writer = await write(dir);
    const started = performance.now();
    for (let i = 0; i < files; i += 1) await writer(dir, i, size, label);
    await done();
    const seconds = (performance.now() - started) / 1000;
    return (files * size) / MiB / seconds;
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

async function runCase(name: string, files: number, size: number): Promise<void> {
  let destination: LocalDestination | undefined;
  const ours = async (dir: string): Promise<Writer> => {
    destination = await LocalDestination.open(dir);
    return async (_dir, index, bytes, round) => {
      await destination!.put(
        {
          assetId: `a${index}`,
          sourceDevice: 'bench',
          captureTime: { utcMs: Date.UTC(2024, index % 12, 1), offsetMinutes: 0, source: 'exif' },
          assetName: `IMG_${index}.HEIC`,
          fileName: `IMG_${index}.HEIC`,
          role: 'original',
          size: bytes,
        },
        Readable.from(chunksOf(index, bytes, round)),
      );
    };
  };
  // Warm-up so the first contender does not pay for cold caches alone; then alternate the three
  // for several rounds and take medians, so a burst of load from elsewhere hits all of them.
  await measure('warm', Math.min(files, 3), size, async () => plain);
  const rates = { plain: [] as number[], careful: [] as number[], ours: [] as number[] };
  for (let round = 0; round < ROUNDS; round += 1) {
    rates.plain.push(await measure(`plain${round}`, files, size, async () => plain));
    rates.careful.push(await measure(`careful${round}`, files, size, async () => careful));
    rates.ours.push(await measure(`ours${round}`, files, size, ours, async () => destination?.close()));
  }
  const plainRate = median(rates.plain);
  const carefulRate = median(rates.careful);
  const oursRate = median(rates.ours);
  console.log(
    `${name.padEnd(6)} ${files} × ${(size / MiB).toFixed(1)} MiB, median of ${ROUNDS}: plain ${plainRate.toFixed(0)} MiB/s, ` +
      `careful ${carefulRate.toFixed(0)} MiB/s, ours ${oursRate.toFixed(0)} MiB/s → ` +
      `ours/careful ${(oursRate / carefulRate).toFixed(2)}, ours/plain ${(oursRate / plainRate).toFixed(2)}`,
  );
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

console.log(`Local destination write, in ${BASE_DIR} (${os.cpus().length} cores)`);
await runCase('large', LARGE_FILES, LARGE_BYTES);
await runCase('small', SMALL_FILES, SMALL_BYTES);
