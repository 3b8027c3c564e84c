/**
 * Timeline queries on a 100,000-asset catalog: three phones with overlapping libraries plus
 * items known only from the account (a destination's index), spread over five years and many
 * time zones. Prints the time to load one month of the timeline (every item with its badge
 * inputs) and one month's day buckets, and the ratio against a naive query that has no
 * local-day column (it computes the local month per row, then groups and looks up copies per
 * item) — both run here, on the same catalog.
 *
 *   npx tsx bench/timeline.ts            (ROWS=100000 by default; ROWS=20000 for a quick run)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Asset } from '../src/shared/asset';
import { Catalog } from '../src/main/catalog/database';

const TOTAL = Number(process.env.ROWS ?? 100_000);
const RUNS = 30;

/** Deterministic pseudo-random numbers, so every run builds the same catalog. */
function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x / 0x7fffffff;
  };
}
const random = rng(42);
const hex = (n: number) => n.toString(16).padStart(64, '0');
const ZONES = [-480, -300, -240, 0, 60, 120, 330, 540, 600];
const START = Date.UTC(2020, 0, 1);
const SPAN = Date.UTC(2025, 0, 1) - START;

function asset(id: string, n: number, sha256: string | undefined, utcMs: number, offset: number): Asset {
  const name = `IMG_${String(n % 10_000).padStart(4, '0')}.HEIC`;
  return {
    id,
    kind: random() < 0.15 ? 'live' : 'photo',
    captureTime: { utcMs, offsetMinutes: offset, source: 'exif' },
    flags: { favorite: random() < 0.05, hidden: false, recentlyDeleted: false, iCloudOnly: random() < 0.1 },
    originalName: name,
    resources: [
      {
        role: 'original',
        path: `DCIM/${100 + Math.floor(n / 1000)}APPLE/${name}`,
        size: 2_000_000,
        mtimeMs: utcMs,
        sha256,
      },
    ],
  };
}

function build(catalog: Catalog) {
  const phones = ['A', 'B', 'C'].map((p) => catalog.devices.upsert(`0000811${p}-BENCH`, { name: `iPhone ${p}` }).id);
  catalog.destinations.upsert('jotta:Photos', 'jottacloud', 'Jottacloud');
  catalog.destinations.upsert('local:/mnt/nas', 'local', 'NAS');
  // Content pool: each photo has a hash (the backup has hashed them all) and a capture time.
  const pool = Array.from({ length: Math.round(TOTAL * 0.8) }, (_, i) => ({
    sha256: hex(i + 1),
    utcMs: START + Math.floor(random() * SPAN),
    offset: ZONES[Math.floor(random() * ZONES.length)]!,
  }));
  const byPhone: Asset[][] = [[], [], []];
  const account: Asset[] = [];
  pool.forEach((p, i) => {
    const r = random();
    // 55% only on phone A, 10% on A and B, 20% on C, 15% only in the account (freed or imported).
    if (r < 0.65) byPhone[0]!.push(asset(`A-${i}`, i, p.sha256, p.utcMs, p.offset));
    if (r >= 0.55 && r < 0.65) byPhone[1]!.push(asset(`B-${i}`, i, p.sha256, p.utcMs, p.offset));
    if (r >= 0.65 && r < 0.85) byPhone[2]!.push(asset(`C-${i}`, i, p.sha256, p.utcMs, p.offset));
    // The account index holds everything backed up: all but the newest-looking 30% of phone photos.
    if (r >= 0.85 || random() < 0.3) account.push(asset(`acct/${p.sha256.slice(-12)}`, i, p.sha256, p.utcMs, p.offset));
  });
  phones.forEach((id, i) => catalog.assets.replaceDeviceAssets(id, byPhone[i]!));
  catalog.assets.replaceDestinationIndex('jotta:Photos', account);
  // Copy records for what is in the account, and some in flight on the NAS.
  const copy = catalog.db.prepare(
    'INSERT INTO copies (destination_id, sha256, size, state, created_ms, updated_ms) VALUES (?, ?, 2000000, ?, 0, 0)',
  );
  catalog.db.transaction(() => {
    for (const a of account) copy.run('jotta:Photos', a.resources[0]!.sha256!, 'verified');
    for (const a of byPhone[0]!) if (random() < 0.2) copy.run('local:/mnt/nas', a.resources[0]!.sha256!, 'copying');
  })();
  return { phones, byPhone, rows: byPhone.reduce((n, l) => n + l.length, 0) + account.length };
}

/** A naive month: no local-day column; computes each row's local month, groups and looks up copies in JS. */
function naiveMonth(catalog: Catalog, yyyymm: string) {
  const rows = catalog.db
    .prepare<[string], { id: number; grp: number; sha256: string | null }>(
      `SELECT a.*, coalesce(a.content_id, -a.id) AS grp, ct.sha256, s.device_id, s.destination_id
       FROM assets a JOIN sources s ON s.id = a.source_id LEFT JOIN contents ct ON ct.id = a.content_id
       WHERE a.removed_ms IS NULL
         AND strftime('%Y%m', a.capture_utc_ms / 1000 + coalesce(a.capture_offset_min, 0) * 60, 'unixepoch') = ?
       ORDER BY a.capture_utc_ms DESC`,
    )
    .all(yyyymm);
  const copies = catalog.db.prepare('SELECT destination_id, state FROM copies WHERE sha256 = ?');
  const items = new Map<number, { rows: typeof rows; copies: unknown[] }>();
  for (const row of rows) {
    let item = items.get(row.grp);
    if (!item) items.set(row.grp, (item = { rows: [], copies: row.sha256 ? copies.all(row.sha256) : [] }));
    item.rows.push(row);
  }
  return items.size;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/**
 * Runs the functions in turn, RUNS rounds, so a burst of load on the machine hits all of them
 * alike; returns each one's median wall time and median CPU time (this process only), in ms.
 */
function measure(fns: Record<string, () => unknown>): Record<string, { wallMs: number; cpuMs: number }> {
  const wall: Record<string, number[]> = {};
  const cpu: Record<string, number[]> = {};
  for (let round = 0; round < RUNS; round++) {
    for (const [name, fn] of Object.entries(fns)) {
      const c = process.cpuUsage();
      const t = performance.now();
      fn();
      (wall[name] ??= []).push(performance.now() - t);
      const used = process.cpuUsage(c);
      (cpu[name] ??= []).push((used.user + used.system) / 1000);
    }
  }
  return Object.fromEntries(Object.keys(fns).map((n) => [n, { wallMs: median(wall[n]!), cpuMs: median(cpu[n]!) }]));
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rk-bench-timeline-'));
try {
  const catalog = Catalog.open(path.join(dir, 'catalog.sqlite'));
  let t = performance.now();
  const { phones, byPhone, rows } = build(catalog);
  const buildMs = performance.now() - t;
  catalog.db.pragma('optimize');

  const month = { fromDay: 20230601, toDay: 20230631 };
  const page = catalog.timeline.page({ ...month, limit: 10_000 });
  const naiveCount = naiveMonth(catalog, '202306');
  if (page.items.length !== naiveCount) throw new Error(`the queries disagree: ${page.items.length} vs ${naiveCount}`);

  const m = measure({
    month: () => catalog.timeline.page({ ...month, limit: 10_000 }),
    naive: () => naiveMonth(catalog, '202306'),
    firstPage: () => catalog.timeline.page({ ...month, limit: 200 }),
    dayBuckets: () => catalog.timeline.buckets('day', month),
    monthBuckets: () => catalog.timeline.buckets('month'),
  });
  t = performance.now();
  const rescan = catalog.assets.replaceDeviceAssets(phones[0]!, byPhone[0]!);
  const rescanMs = performance.now() - t;
  catalog.close();

  const f = (x: { wallMs: number; cpuMs: number }) => `${x.wallMs.toFixed(2)} ms (cpu ${x.cpuMs.toFixed(2)} ms)`;
  console.log(`catalog: ${rows} asset rows (3 phones + account index), built in ${(buildMs / 1000).toFixed(1)} s`);
  console.log(`load average while measuring: ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores`);
  console.log(`one month of timeline (${page.items.length} items with badges): ${f(m.month!)}, median of ${RUNS}`);
  console.log(`first page of a month (200 items): ${f(m.firstPage!)}`);
  console.log(`day buckets of a month: ${f(m.dayBuckets!)}; month buckets of all years: ${f(m.monthBuckets!)}`);
  console.log(`naive month query (no local-day column, copies per item): ${f(m.naive!)}`);
  console.log(`unchanged rescan of phone A (${rescan.unchanged} assets, no SQL writes): ${rescanMs.toFixed(0)} ms`);
  console.log(`ratio naive / indexed month: ${(m.naive!.wallMs / m.month!.wallMs).toFixed(1)}x`);
  console.log(
    JSON.stringify({
      bench: 'timeline',
      rows,
      monthItems: page.items.length,
      monthMs: +m.month!.wallMs.toFixed(3),
      monthCpuMs: +m.month!.cpuMs.toFixed(3),
      naiveMs: +m.naive!.wallMs.toFixed(3),
      ratio: +(m.naive!.wallMs / m.month!.wallMs).toFixed(2),
    }),
  );
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
