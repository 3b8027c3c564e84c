/**
 * The scanners against generated rolls served by the simulator over AFC; the roll's manifest is
 * the truth. Library scanner: everything the library knows. DCIM scanner alone: what DCIM can
 * know (the manifest's `dcim` view). No Debian packages needed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManifestAsset } from '../../../src/simulator/camera-roll/manifest';
import { dcimKind, resourceLine, startScanWorld } from './scan-fixture';

let world: Awaited<ReturnType<typeof startScanWorld>>;

beforeAll(async () => {
  world = await startScanWorld();
});
afterAll(async () => {
  await world?.close();
});

describe('library scanner (Photos.sqlite)', () => {
  it('finds every asset with its kind, resources, Live pairing, flags and capture time', async () => {
    const phone = await world.phone();
    const report = await phone.scan();
    expect(report.source).toBe('library');
    expect(report.warnings).toEqual([]);
    const found = phone.assets();
    expect(found.size).toBe(world.manifest.assets.length);
    for (const truth of world.manifest.assets) {
      const asset = found.get(truth.uuid);
      expect(asset, truth.uuid).toBeDefined();
      expect(asset!.kind).toBe(truth.kind);
      expect(asset!.originalName).toBe(truth.originalName);
      expect(asset!.flags).toEqual(truth.flags);
      expect(asset!.captureTime).toEqual({ ...truth.captureTime, source: 'library' });
      expect(asset!.resources.map(resourceLine).sort()).toEqual(truth.resources.map(resourceLine).sort());
    }
    // The report agrees with the manifest's totals.
    expect(report.assets).toBe(world.manifest.totals.assets);
    expect(report.byKind).toEqual(world.manifest.totals.byKind);
    expect(report.changed).toEqual({ added: world.manifest.assets.length, removed: 0, updated: 0 });
    const times = world.manifest.assets.map((a) => a.captureTime.utcMs);
    expect(report.dateRange).toEqual({ firstMs: Math.min(...times), lastMs: Math.max(...times) });
  });

  it('covers the special cases the roll carries: Live pairs, WAL-only rows, collisions, iCloud, trash', async () => {
    const phone = await world.phone();
    const report = await phone.scan();
    const found = phone.assets();
    const truth = world.manifest.assets;
    // Rows only in Photos.sqlite-wal are there (a copy of the main file alone would miss them).
    const walOnly = truth.filter((a) => a.inWal);
    expect(walOnly.length).toBeGreaterThan(0);
    for (const a of walOnly) expect(found.has(a.uuid)).toBe(true);
    // A Live Photo is one asset holding both files.
    const live = truth.find((a) => a.kind === 'live' && !a.flags.iCloudOnly)!;
    expect(
      found
        .get(live.uuid)!
        .resources.map((r) => r.role)
        .sort(),
    ).toEqual(expect.arrayContaining(['live-video', 'original']));
    // IMG_nnnn in 100APPLE and 101APPLE: two assets, two different files.
    const names = new Map<string, ManifestAsset[]>();
    for (const a of truth.filter((x) => x.directory.startsWith('DCIM/'))) {
      names.set(a.fileName, [...(names.get(a.fileName) ?? []), a]);
    }
    const collision = [...names.values()].find((list) => list.length > 1)!;
    expect(collision).toBeDefined();
    const paths = collision.map((a) => found.get(a.uuid)!.resources.find((r) => r.role === 'original')!.path);
    expect(new Set(paths).size).toBe(collision.length);
    // iCloud-only: listed, flagged, with no file on the phone.
    const cloud = truth.filter((a) => a.flags.iCloudOnly);
    expect(cloud.length).toBeGreaterThan(0);
    for (const a of cloud) {
      expect(found.get(a.uuid)!.flags.iCloudOnly).toBe(true);
      expect(found.get(a.uuid)!.resources).toEqual([]);
    }
    expect(report.flagged.iCloudOnly).toBe(cloud.length);
    // iCloud originals synced into PhotoData/CPLAssets.
    const cpl = truth.find((a) => a.directory.startsWith('CPLAssets/') && !a.flags.iCloudOnly)!;
    expect(found.get(cpl.uuid)!.resources[0]!.path).toMatch(/^PhotoData\/CPLAssets\//);
    // Recently Deleted: flagged, files still listed.
    const trashed = truth.filter((a) => a.flags.recentlyDeleted);
    expect(trashed.length).toBeGreaterThan(0);
    for (const a of trashed) expect(found.get(a.uuid)!.flags.recentlyDeleted).toBe(true);
    expect(report.flagged.recentlyDeleted).toBe(trashed.length);
    // A date adjusted on the phone comes from the library, not the file.
    const adjusted = truth.find((a) => a.dateAdjusted)!;
    expect(found.get(adjusted.uuid)!.captureTime!.utcMs).toBe(adjusted.captureTime.utcMs);
  });

  it('reads the iOS 13 schema (ZGENERICASSET) too', async () => {
    const old = await startScanWorld({ schema: 'ios13', seed: 'scan-13', photos: 12, videos: 3, live: 3 });
    try {
      expect(old.manifest.library.table).toBe('ZGENERICASSET');
      const phone = await old.phone();
      const report = await phone.scan();
      expect(report.source).toBe('library');
      const found = phone.assets();
      expect(found.size).toBe(old.manifest.assets.length);
      for (const truth of old.manifest.assets) {
        expect(found.get(truth.uuid)!.kind).toBe(truth.kind);
        expect(found.get(truth.uuid)!.resources.map(resourceLine).sort()).toEqual(
          truth.resources.map(resourceLine).sort(),
        );
      }
    } finally {
      await old.close();
    }
  });
});

describe('DCIM scanner alone', () => {
  it('finds what DCIM can know: files, Live pairs, edits, kinds and the capture time in each file', async () => {
    const phone = await world.phone();
    const report = await phone.scan({ dcimOnly: true });
    expect(report.source).toBe('dcim');
    const found = phone.assets();
    const visible = world.manifest.assets.filter((a) => a.dcim !== null);
    expect(found.size).toBe(visible.length);
    for (const truth of visible) {
      const dcim = truth.dcim!;
      const asset = found.get(dcim.paths[0]!);
      expect(asset, dcim.paths[0]).toBeDefined();
      expect(asset!.kind).toBe(dcimKind(truth.kind));
      expect(asset!.originalName).toBe(truth.fileName);
      // Its DCIM files plus the edits beside them in PhotoData/Mutations, with sizes and mtimes.
      const expected = truth.resources.filter(
        (r) => dcim.paths.includes(r.path) || r.role === 'edited' || r.role === 'adjustment',
      );
      expect(asset!.resources.map(resourceLine).sort()).toEqual(expected.map(resourceLine).sort());
      if (dcim.captureTime) {
        expect(asset!.captureTime).toEqual({
          utcMs: dcim.captureTime.utcMs,
          offsetMinutes: dcim.captureTime.offsetMinutes,
          source: dcim.captureTime.source,
        });
      } else {
        // No date inside the file (PNG screenshots): the file's own time, and a warning naming it.
        expect(['file-birth', 'file-mtime']).toContain(asset!.captureTime!.source);
        expect(report.warnings.some((w) => w.code === 'dcim.no-date' && w.path === dcim.paths[0])).toBe(true);
      }
      expect(asset!.flags).toEqual({ favorite: false, hidden: false, recentlyDeleted: false, iCloudOnly: false });
    }
    // A date adjusted on the phone is not in the file: DCIM reads the file's.
    const adjusted = visible.find((a) => a.dateAdjusted)!;
    expect(found.get(adjusted.dcim!.paths[0]!)!.captureTime!.utcMs).not.toBe(adjusted.captureTime.utcMs);
  });
});

describe('DCIM scanner on phone-sized files', () => {
  it('reads only headers: right capture times at well under 64 KiB per asset', async () => {
    const real = await startScanWorld({
      seed: 'scan-real',
      size: 'real',
      photos: 8,
      videos: 3,
      live: 2,
      realVideoBytes: 3_000_000,
    });
    try {
      const phone = await real.phone();
      const report = await phone.scan({ dcimOnly: true });
      const found = phone.assets();
      const visible = real.manifest.assets.filter((a) => a.dcim !== null);
      expect(found.size).toBe(visible.length);
      for (const truth of visible) {
        const time = truth.dcim!.captureTime;
        if (time) expect(found.get(truth.dcim!.paths[0]!)!.captureTime).toEqual(time);
      }
      const bytesOnPhone = visible.flatMap((a) => a.resources).reduce((n, r) => n + r.size, 0);
      expect(bytesOnPhone / visible.length).toBeGreaterThan(1_000_000);
      expect(report.bytesRead / visible.length).toBeLessThanOrEqual(64 * 1024);
    } finally {
      await real.close();
    }
  });
});
