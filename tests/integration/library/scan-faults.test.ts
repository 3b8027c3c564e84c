/**
 * Bad input and change: a damaged or unknown Photos.sqlite falls back to DCIM (said once); a file
 * the library names but the phone lacks is flagged; garbage and unknown files are still listed;
 * rescans of an unchanged phone read nothing; a changed one only touches what changed; a
 * cancelled scan leaves the catalog as it was.
 */
import { copyFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScanCancelledError } from '../../../src/main/library/scan-errors';
import { RollkeeperError } from '../../../src/shared/errors';
import { resourceLine, startScanWorld } from './scan-fixture';

let world: Awaited<ReturnType<typeof startScanWorld>>;

beforeAll(async () => {
  world = await startScanWorld({ seed: 'faults', photos: 24, videos: 5, live: 4 });
});
afterAll(async () => {
  await world?.close();
});

const dcimAssetCount = () => world.manifest.assets.filter((a) => a.dcim !== null).length;
const sqlite = (media: string) => path.join(media, 'PhotoData', 'Photos.sqlite');

describe('a Photos.sqlite that cannot be used: DCIM instead, said once', () => {
  const cases: [string, (media: string) => void, string][] = [
    ['missing', (m) => ['', '-wal', '-shm'].forEach((s) => rmSync(sqlite(m) + s)), 'library.unreadable'],
    ['truncated', (m) => writeFileSync(sqlite(m), Buffer.alloc(1000)), 'library.unreadable'],
    [
      'corrupt',
      (m) => writeFileSync(sqlite(m), Buffer.from('this is not a database'.repeat(500))),
      'library.unreadable',
    ],
    [
      'of an unknown schema',
      (m) => {
        ['', '-wal', '-shm'].forEach((s) => rmSync(sqlite(m) + s));
        const db = new Database(sqlite(m));
        db.exec('CREATE TABLE ZPHOTO (Z_PK INTEGER PRIMARY KEY, ZUUID TEXT)');
        db.close();
      },
      'library.unknown-schema',
    ],
  ];
  for (const [name, damage, code] of cases) {
    it(`${name}`, async () => {
      const phone = await world.phone(damage);
      const report = await phone.scan();
      expect(report.source).toBe('dcim');
      const libraryWarnings = report.warnings.filter((w) => w.code.startsWith('library.'));
      expect(libraryWarnings).toHaveLength(1);
      expect(libraryWarnings[0]!.code).toBe(code);
      expect(libraryWarnings[0]!.message).toMatch(/Photos\.sqlite|photo library/);
      expect(libraryWarnings[0]!.message).toMatch(/DCIM/);
      expect(phone.assets().size).toBe(dcimAssetCount());
      // The fallback is remembered: the same damaged phone rescans without reading anything.
      const again = await phone.scan();
      expect(again.unchanged).toBe(true);
      expect(again.bytesRead).toBe(0);
    });
  }
});

describe('files that do not match', () => {
  it('flags a file the library lists but the phone lacks, and scans the rest', async () => {
    const victim = world.manifest.assets.find((a) => a.kind === 'live' && a.resources.length >= 2)!;
    const gone = victim.resources.find((r) => r.role === 'live-video')!;
    const phone = await world.phone((m) => unlinkSync(path.join(m, gone.path)));
    const report = await phone.scan();
    expect(report.source).toBe('library');
    expect(report.flagged.missingFiles).toBe(1);
    expect(report.warnings).toEqual([expect.objectContaining({ code: 'library.file-missing', path: gone.path })]);
    const asset = phone.assets().get(victim.uuid)!;
    expect(asset.resources.map((r) => r.path)).not.toContain(gone.path);
    expect(asset.resources.map((r) => r.role)).toContain('original');
    expect(phone.assets().size).toBe(world.manifest.assets.length);
  });

  it('lists garbage, undated and unknown files in DCIM, each warning naming its file', async () => {
    const phone = await world.phone((m) => {
      writeFileSync(path.join(m, 'DCIM/100APPLE/IMG_9990.HEIC'), Buffer.from('not a heic at all, just some bytes'));
      writeFileSync(
        path.join(m, 'DCIM/100APPLE/IMG_9991.JPG'),
        Buffer.from([0xff, 0xd8, 0xff, 0xe1, 0xff, 0xff, 1, 2, 3]),
      );
      writeFileSync(path.join(m, 'DCIM/100APPLE/NOTES.TXT'), 'hello');
    });
    const report = await phone.scan({ dcimOnly: true });
    const found = phone.assets();
    expect(found.size).toBe(dcimAssetCount() + 3);
    for (const name of ['IMG_9990.HEIC', 'IMG_9991.JPG']) {
      const p = `DCIM/100APPLE/${name}`;
      expect(found.get(p)!.kind).toBe('photo');
      expect(['file-birth', 'file-mtime']).toContain(found.get(p)!.captureTime!.source);
      expect(report.warnings.some((w) => w.path === p && w.code === 'dcim.no-date' && w.message.includes(p))).toBe(
        true,
      );
    }
    expect(found.get('DCIM/100APPLE/NOTES.TXT')!.kind).toBe('other');
    expect(report.warnings.some((w) => w.code === 'dcim.unknown-type' && w.path === 'DCIM/100APPLE/NOTES.TXT')).toBe(
      true,
    );
  });
});

describe('incremental rescans', () => {
  it('an unchanged phone: three stats, nothing read, nothing written', async () => {
    const phone = await world.phone();
    const first = await phone.scan();
    const before = phone.assets();
    const again = await phone.scan();
    expect(again.unchanged).toBe(true);
    expect(again.requests).toBe(3);
    expect(again.bytesRead).toBe(0);
    expect(again.changed).toEqual({ added: 0, removed: 0, updated: 0 });
    expect({ ...again, unchanged: false, requests: 0, bytesRead: 0, changed: first.changed }).toEqual({
      ...first,
      requests: 0,
      bytesRead: 0,
    });
    expect(phone.assets()).toEqual(before);
  });

  it('a changed library: only the new, removed and edited assets are touched', async () => {
    const phone = await world.phone();
    const first = await phone.scan();
    const truth = world.manifest.assets.filter((a) => a.resources.length > 0 && a.directory.startsWith('DCIM/'));
    const [removed, favourite, template] = [truth[0]!, truth[1]!, truth.find((a) => a.kind === 'photo')!];
    // The phone changes: one asset deleted, one made a favourite, one new photo taken.
    const newFile = 'DCIM/101APPLE/IMG_8888.HEIC';
    copyFileSync(path.join(phone.media, template.resources[0]!.path), path.join(phone.media, newFile));
    const db = new Database(sqlite(phone.media));
    const table = world.manifest.library.table;
    db.prepare(`DELETE FROM ${table} WHERE ZUUID = ?`).run(removed.uuid);
    db.prepare(`UPDATE ${table} SET ZFAVORITE = 1 - ZFAVORITE WHERE ZUUID = ?`).run(favourite.uuid);
    const pk = 1_000_000;
    db.prepare(
      `INSERT INTO ${table} (Z_PK, ZUUID, ZDIRECTORY, ZFILENAME, ZKIND, ZKINDSUBTYPE, ZDATECREATED, ZTRASHEDSTATE)
       VALUES (?, 'NEW-ASSET-UUID', 'DCIM/101APPLE', 'IMG_8888.HEIC', 0, 0, 800000000, 0)`,
    ).run(pk);
    db.prepare(
      `INSERT INTO ZINTERNALRESOURCE (ZASSET, ZDATALENGTH, ZLOCALAVAILABILITY, ZRESOURCETYPE, ZVERSION)
       VALUES (?, ?, 1, 0, 0)`,
    ).run(pk, template.resources[0]!.size);
    db.close(); // checkpoints the WAL: the phone's library files change

    const second = await phone.scan();
    expect(second.unchanged).toBe(false);
    expect(second.changed).toEqual({ added: 1, removed: 1, updated: 1 });
    // Per-file work only for the new asset: one stat for its one file (the rest is the
    // fingerprint, and copying the library).
    const perFile = second.requests - 3 /* fingerprint */ - 3 - 3; /* library copy: stats + reads */
    expect(perFile).toBeLessThanOrEqual(1);
    expect(first.requests).toBeGreaterThan(world.manifest.assets.length);
    const found = phone.assets();
    expect(found.has(removed.uuid)).toBe(false);
    expect(found.get(favourite.uuid)!.flags.favorite).toBe(!favourite.flags.favorite);
    expect(found.get('NEW-ASSET-UUID')!.resources.map(resourceLine)).toEqual([
      resourceLine({
        role: 'original',
        path: newFile,
        size: template.resources[0]!.size,
        mtimeMs: found.get('NEW-ASSET-UUID')!.resources[0]!.mtimeMs,
      }),
    ]);
    // The deleted asset stays in the catalog as removed (history), not present.
    expect(phone.catalog.assets.findOnDevice(phone.deviceId, removed.uuid)!.removedMs).not.toBeNull();
  });

  it('DCIM rescans: unchanged reads nothing; a new file costs only its own reads', async () => {
    const phone = await world.phone();
    await phone.scan({ dcimOnly: true });
    const same = await phone.scan({ dcimOnly: true });
    expect(same.unchanged).toBe(true);
    expect(same.bytesRead).toBe(0);
    const source = world.manifest.assets.find((a) => a.kind === 'photo' && a.dcim)!.dcim!.paths[0]!;
    copyFileSync(path.join(phone.media, source), path.join(phone.media, 'DCIM/100APPLE/IMG_7777.HEIC'));
    const next = await phone.scan({ dcimOnly: true });
    expect(next.changed).toEqual({ added: 1, removed: 0, updated: 0 });
    const size = world.manifest.assets.flatMap((a) => a.resources).find((r) => r.path === source)!.size;
    expect(next.bytesRead).toBeLessThanOrEqual(size);
    expect(phone.assets().get('DCIM/100APPLE/IMG_7777.HEIC')!.captureTime!.source).toBe('exif');
  });

  it('a cancelled scan leaves the catalog as it was', async () => {
    const phone = await world.phone();
    await phone.scan();
    const before = phone.assets();
    // The phone changes (a file of every asset's would be re-checked), then the scan is stopped.
    const db = new Database(sqlite(phone.media));
    db.prepare(`UPDATE ${world.manifest.library.table} SET ZFAVORITE = 1`).run();
    db.close();
    const controller = new AbortController();
    const scan = phone.scan({
      force: true,
      signal: controller.signal,
      onProgress: (p) => p.phase === 'library-read' && controller.abort(),
    });
    await expect(scan).rejects.toBeInstanceOf(ScanCancelledError);
    expect(phone.assets()).toEqual(before);
    // And the next scan does the work it skipped.
    const after = await phone.scan();
    expect(after.unchanged).toBe(false);
    expect(after.changed.updated).toBeGreaterThan(0);
  });

  it('a scan stopped after writing some assets makes nothing vanish, and the next scan finishes it', async () => {
    const phone = await world.phone();
    await phone.scan({ dcimOnly: true }); // the catalog holds DCIM-keyed assets
    const before = phone.assets();
    const controller = new AbortController();
    const scan = phone.scan({
      signal: controller.signal,
      onProgress: (p) => p.phase === 'check-files' && p.done > 0 && controller.abort(),
    });
    await expect(scan).rejects.toBeInstanceOf(ScanCancelledError);
    const after = phone.assets();
    for (const id of before.keys()) expect(after.has(id)).toBe(true);
    const next = await phone.scan();
    expect(next.unchanged).toBe(false);
    expect(next.source).toBe('library');
    expect(phone.assets().size).toBe(world.manifest.assets.length);
  });

  it('a phone unplugged mid-scan: a typed device error, and the catalog as it was', async () => {
    const phone = await world.phone();
    await phone.scan();
    const before = phone.assets();
    const db = new Database(sqlite(phone.media));
    db.prepare(`UPDATE ${world.manifest.library.table} SET ZHIDDEN = 1`).run();
    db.close();
    let unplugged = false;
    const scan = phone.scan({
      force: true,
      onProgress: (p) => {
        if (p.phase === 'library-copy' && !unplugged) {
          unplugged = true;
          phone.detach();
        }
      },
    });
    const error = await scan.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RollkeeperError);
    expect((error as RollkeeperError).code).toMatch(/^(device|afc)\./);
    expect((error as RollkeeperError).hint).not.toBe('');
    expect(phone.assets()).toEqual(before);
  });
});
