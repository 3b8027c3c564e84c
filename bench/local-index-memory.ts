/**
 * Memory of the local destination's in-memory index: heap bytes per stored file.
 *
 * Writes a journal of N realistic entries (a camera roll: YYYY/MM/IMG_nnnn.HEIC, Live Photos
 * whose .HEIC and .MOV share a stem, edits, videos, screenshots; 64-hex SHA-256; Photos-style
 * asset ids; one phone's UDID; capture times) into a temp folder, then loads it with the code
 * `LocalDestination.open` uses (readJournal → LocalIndex.apply) and measures the heap the index
 * keeps (gc before and after). Prints bytes per entry and, as a ratio independent of the
 * machine, heap bytes per byte of journal text.
 *
 *   node --expose-gc --import tsx bench/local-index-memory.ts [--entries 150000] [--md5]
 */
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readJournal, type JournalRecord, type LocalIndexEntry } from '../src/main/destinations/local/index-journal';
import { nodeFs } from '../src/main/destinations/local/local-fs';
import { LocalIndex } from '../src/main/destinations/local/local-index';

const args = Object.fromEntries(
  process.argv.slice(2).flatMap((arg, i, all) => (arg.startsWith('--') ? [[arg.slice(2), all[i + 1] ?? '']] : [])),
) as Record<string, string>;
const ENTRIES = Number(args.entries || 150_000);
const WITH_MD5 = 'md5' in args;

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  console.error('Run with --expose-gc: node --expose-gc --import tsx bench/local-index-memory.ts');
  process.exit(2);
}

/** A small seeded PRNG (mulberry32): the same journal on every run. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}
const random = prng(20240512);
const hex = (length: number) => {
  let text = '';
  while (text.length < length) text += ((random() * 2 ** 32) >>> 0).toString(16).padStart(8, '0');
  return text.slice(0, length);
};
const photosUuid = () => `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`.toUpperCase();

/** A modern iPhone's UDID (`00008110-001A2B3C4D5E801E`): one phone for the whole backup. */
const UDID = `00008110-${hex(16).toUpperCase()}`;

/** The files of one asset, as the backup stores them. */
function* assetFiles(counter: number, utcMs: number): Generator<Omit<LocalIndexEntry, 'hashes' | 'size'>> {
  const local = new Date(utcMs + 120 * 60_000);
  const folder = `${local.getUTCFullYear()}/${String(local.getUTCMonth() + 1).padStart(2, '0')}`;
  const assetId = `${photosUuid()}/L0/001`;
  const kind = random();
  const captureTime = { utcMs, offsetMinutes: 120, source: 'exif' as const };
  const base = {
    assetId,
    sourceDevice: UDID,
    captureTime,
    modifiedMs: utcMs + 1000,
    storedAtMs: Date.UTC(2025, 0, 1) + counter * 1000,
  };
  const file = (stem: string, name: string, role: LocalIndexEntry['role'], assetName: string) => ({
    ...base,
    location: `${folder}/${name}`,
    stem,
    role,
    assetName,
    fileName: name.endsWith(' (edited).jpg') ? 'FullSizeRender.jpg' : name,
  });
  const stem = `IMG_${String(counter % 10_000).padStart(4, '0')}`;
  if (kind < 0.45) {
    // A Live Photo: still and video side by side; one in ten also edited.
    yield file(stem, `${stem}.HEIC`, 'original', `${stem}.HEIC`);
    yield file(stem, `${stem}.MOV`, 'live-video', `${stem}.HEIC`);
    if (random() < 0.1) yield file(stem, `${stem} (edited).jpg`, 'edited', `${stem}.HEIC`);
  } else if (kind < 0.8) {
    yield file(stem, `${stem}.HEIC`, 'original', `${stem}.HEIC`);
  } else if (kind < 0.9) {
    yield file(stem, `${stem}.MOV`, 'original', `${stem}.MOV`);
  } else if (kind < 0.95) {
    yield file(stem, `${stem}.JPG`, 'original', `${stem}.JPG`);
  } else {
    yield file(stem, `${stem}.PNG`, 'original', `${stem}.PNG`);
  }
}

/** N journal `entry` lines, oldest first: about 2,000 files a month from 2019 on. */
function* journalLines(count: number): Generator<string> {
  let made = 0;
  let counter = 1;
  let utcMs = Date.UTC(2019, 0, 1, 9);
  while (made < count) {
    utcMs += Math.floor(random() * 40 * 60_000);
    for (const partial of assetFiles(counter, utcMs)) {
      if (made >= count) break;
      const entry: LocalIndexEntry = {
        ...partial,
        size: Math.floor(1_000_000 + random() * 4_000_000),
        hashes: WITH_MD5 ? { sha256: hex(64), md5: hex(32) } : { sha256: hex(64) },
      };
      yield JSON.stringify({ op: 'entry', entry } satisfies JournalRecord);
      made += 1;
    }
    counter += 1;
  }
}

const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'rk-index-memory-'));
try {
  const journal = path.join(dir, 'index.jsonl');
  const out = await fsp.open(journal, 'w');
  let batch: string[] = [];
  for (const line of journalLines(ENTRIES)) {
    batch.push(line);
    if (batch.length === 5000) {
      await out.write(batch.join('\n') + '\n');
      batch = [];
    }
  }
  if (batch.length > 0) await out.write(batch.join('\n') + '\n');
  await out.close();
  const journalBytes = (await fsp.stat(journal)).size;

  gc();
  const before = process.memoryUsage().heapUsed;
  const index = new LocalIndex();
  const started = performance.now();
  const read = await readJournal(nodeFs, journal, (record) => index.apply(record));
  const loadMs = performance.now() - started;
  gc();
  gc();
  const after = process.memoryUsage().heapUsed;
  if (index.entries.size !== ENTRIES || read.damagedLines !== 0) {
    throw new Error(`loaded ${index.entries.size} entries of ${ENTRIES}, ${read.damagedLines} damaged lines`);
  }
  const perEntry = (after - before) / ENTRIES;
  console.log(`entries:              ${ENTRIES}${WITH_MD5 ? ' (with MD5)' : ''}`);
  console.log(
    `journal:              ${(journalBytes / 2 ** 20).toFixed(1)} MiB, ${(journalBytes / ENTRIES).toFixed(0)} bytes/entry`,
  );
  console.log(`index heap:           ${((after - before) / 2 ** 20).toFixed(1)} MiB`);
  console.log(`heap bytes per entry: ${perEntry.toFixed(0)}`);
  console.log(`heap / journal bytes: ${(perEntry / (journalBytes / ENTRIES)).toFixed(2)}`);
  console.log(`load time:            ${loadMs.toFixed(0)} ms`);
  console.log(
    JSON.stringify({
      bench: 'local-index-memory',
      entries: ENTRIES,
      md5: WITH_MD5,
      heapBytesPerEntry: Math.round(perEntry),
      heapPerJournalByte: Number((perEntry / (journalBytes / ENTRIES)).toFixed(3)),
      loadMs: Math.round(loadMs),
    }),
  );
  // Keep the index alive until after the second measurement.
  if (index.entries.size < 0) console.log(index);
} finally {
  await fsp.rm(dir, { recursive: true, force: true });
}
