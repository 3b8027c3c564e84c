import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORE_DATA_EPOCH_S } from '../../../../src/simulator/camera-roll/photos-library';
import { makeRollFixture, type RollFixture } from './roll-fixture';

const KIND: Record<string, [number, number]> = {
  photo: [0, 0],
  live: [0, 2],
  screenshot: [0, 10],
  burst: [0, 0],
  raw: [0, 0],
  video: [1, 0],
  slomo: [1, 101],
  timelapse: [1, 102],
  'screen-recording': [1, 103],
};

let roll: RollFixture;
let work: string;
beforeAll(async () => {
  roll = await makeRollFixture({ seed: 'library-test' });
  work = mkdtempSync(path.join(os.tmpdir(), 'rollkeeper-library-copy-'));
});
afterAll(() => {
  roll?.cleanup();
  rmSync(work, { recursive: true, force: true });
});

/** Opens a copy (readers write to -shm; the roll's own files stay as made). */
function openCopy(name: string, withWal: boolean): Database.Database {
  const target = path.join(work, name);
  const source = path.join(roll.dir, 'PhotoData', 'Photos.sqlite');
  copyFileSync(source, target);
  if (withWal) {
    copyFileSync(`${source}-wal`, `${target}-wal`);
    copyFileSync(`${source}-shm`, `${target}-shm`);
  }
  return new Database(target, { readonly: true });
}

interface Row {
  Z_PK: number;
  ZUUID: string;
  ZDIRECTORY: string;
  ZFILENAME: string;
  ZDATECREATED: number;
  ZADDEDDATE: number;
  ZKIND: number;
  ZKINDSUBTYPE: number;
  ZTRASHEDSTATE: number;
  ZTRASHEDDATE: number | null;
  ZHIDDEN: number;
  ZFAVORITE: number;
  ZHASADJUSTMENTS: number;
  ZAVALANCHEUUID: string | null;
  ZMEDIAGROUPUUID: string | null;
  ZWIDTH: number;
  ZHEIGHT: number;
  ZORIGINALFILENAME: string;
  ZTIMEZONEOFFSET: number;
  ZORIGINALFILESIZE: number;
  ZCLOUDASSETGUID: string | null;
}

describe('Photos.sqlite indexes the roll as the manifest says', () => {
  it('has one ZASSET row per asset with the manifest values, joined to its attributes', () => {
    const db = openCopy('full.sqlite', true);
    const rows = db
      .prepare(
        `SELECT a.*, x.ZORIGINALFILENAME, x.ZTIMEZONEOFFSET, x.ZORIGINALFILESIZE FROM ZASSET a
                JOIN ZADDITIONALASSETATTRIBUTES x ON x.ZASSET = a.Z_PK ORDER BY a.Z_PK`,
      )
      .all() as Row[];
    db.close();
    expect(rows).toHaveLength(roll.manifest.assets.length);
    for (const [i, a] of roll.manifest.assets.entries()) {
      const r = rows[i]!;
      expect(r.ZUUID).toBe(a.uuid);
      expect(r.Z_PK).toBe(a.pk);
      expect([r.ZDIRECTORY, r.ZFILENAME, r.ZORIGINALFILENAME]).toEqual([a.directory, a.fileName, a.originalName]);
      expect(Math.round((r.ZDATECREATED + CORE_DATA_EPOCH_S) * 1000)).toBe(a.captureTime.utcMs);
      expect(Math.round((r.ZADDEDDATE + CORE_DATA_EPOCH_S) * 1000)).toBe(a.addedMs);
      expect(r.ZTIMEZONEOFFSET).toBe(a.captureTime.offsetMinutes * 60);
      expect([r.ZKIND, r.ZKINDSUBTYPE], a.kind).toEqual(KIND[a.kind]);
      expect(r.ZTRASHEDSTATE).toBe(a.flags.recentlyDeleted ? 1 : 0);
      expect(r.ZTRASHEDDATE === null ? null : Math.round((r.ZTRASHEDDATE + CORE_DATA_EPOCH_S) * 1000)).toBe(
        a.trashedMs,
      );
      expect([r.ZHIDDEN, r.ZFAVORITE]).toEqual([Number(a.flags.hidden), Number(a.flags.favorite)]);
      expect(r.ZHASADJUSTMENTS).toBe(a.resources.some((x) => x.role === 'edited') ? 1 : 0);
      expect(r.ZAVALANCHEUUID).toBe(a.burstUuid);
      expect(r.ZMEDIAGROUPUUID).toBe(a.contentIdentifier);
      expect([r.ZWIDTH, r.ZHEIGHT]).toEqual([a.width, a.height]);
      const original = a.resources.find((x) => x.role === 'original');
      if (original) expect(r.ZORIGINALFILESIZE).toBe(original.size);
    }
  });

  it('says in ZINTERNALRESOURCE which originals are on the phone and which only in iCloud', () => {
    const db = openCopy('resources.sqlite', true);
    const local = db
      .prepare(
        `SELECT a.ZUUID uuid, r.ZLOCALAVAILABILITY local, r.ZDATALENGTH size FROM ZINTERNALRESOURCE r
                              JOIN ZASSET a ON a.Z_PK = r.ZASSET WHERE r.ZVERSION = 0 AND r.ZRESOURCETYPE IN (0, 1)`,
      )
      .all() as {
      uuid: string;
      local: number;
      size: number;
    }[];
    db.close();
    const byUuid = new Map(local.map((r) => [r.uuid, r]));
    for (const a of roll.manifest.assets) {
      const row = byUuid.get(a.uuid)!;
      expect(row.local, a.fileName).toBe(a.flags.iCloudOnly ? -1 : 1);
      const original = a.resources.find((x) => x.role === 'original');
      if (original) expect(row.size).toBe(original.size);
    }
    expect(roll.manifest.assets.some((a) => a.flags.iCloudOnly)).toBe(true);
  });

  it('keeps the newest rows only in the WAL: a copy of the main file alone misses exactly them', () => {
    const inWal = roll.manifest.assets.filter((a) => a.inWal);
    expect(inWal.length).toBeGreaterThan(0);
    const mainOnly = openCopy('main-only.sqlite', false);
    const uuids = new Set(
      (mainOnly.prepare('SELECT ZUUID FROM ZASSET').all() as { ZUUID: string }[]).map((r) => r.ZUUID),
    );
    mainOnly.close();
    expect(uuids.size).toBe(roll.manifest.assets.length - inWal.length);
    for (const a of roll.manifest.assets) expect(uuids.has(a.uuid), a.fileName).toBe(!a.inWal);
    // The WAL rows are the newest ones.
    expect(Math.min(...inWal.map((a) => a.pk))).toBeGreaterThan(
      Math.max(...roll.manifest.assets.filter((a) => !a.inWal).map((a) => a.pk)),
    );
  });

  it('passes SQLite integrity checks with its WAL', () => {
    const db = openCopy('integrity.sqlite', true);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });
});

describe('Photos.sqlite with the iOS 13 schema', () => {
  it('names the asset table ZGENERICASSET and has no ZASSET', async () => {
    const old = await makeRollFixture({ seed: 'ios13', photos: 5, videos: 1, live: 1, schema: 'ios13' });
    try {
      const db = new Database(path.join(old.dir, 'PhotoData', 'Photos.sqlite'), {
        readonly: true,
        fileMustExist: true,
      });
      const tables = (
        db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]
      ).map((t) => t.name);
      const count = (db.prepare('SELECT count(*) n FROM ZGENERICASSET').get() as { n: number }).n;
      db.close();
      expect(tables).toContain('ZGENERICASSET');
      expect(tables).not.toContain('ZASSET');
      expect(count).toBe(7);
      expect(old.manifest.library.table).toBe('ZGENERICASSET');
    } finally {
      old.cleanup();
    }
  });
});
