/**
 * Writes PhotoData/Photos.sqlite the way a phone leaves it: a live WAL database whose newest rows
 * are only in Photos.sqlite-wal (a reader that copies just the main file misses them). Tables and
 * columns follow the iOS 14+ Core Data schema as documented by forensic write-ups and osxphotos
 * (ZASSET, ZADDITIONALASSETATTRIBUTES, ZINTERNALRESOURCE, Z_PRIMARYKEY); `ios13` names the asset
 * table ZGENERICASSET as iOS 13 and earlier did. Values marked (verify) need a real phone.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { LibrarySchema } from './manifest';
import type { PlannedAsset } from './plan';
import { rewriteWalSalts } from './wal-salts';

/** Seconds between the Unix epoch and Core Data's reference date, 2001-01-01 UTC. */
export const CORE_DATA_EPOCH_S = 978_307_200;
export const toCoreData = (ms: number) => ms / 1000 - CORE_DATA_EPOCH_S;

export interface LibraryResource {
  /** ZRESOURCETYPE: 0 image, 1 video, 3 Live Photo paired video, 7 adjustment data (verify). */
  type: number;
  /** ZVERSION: 0 original, 2 current (the edit) (verify). */
  version: number;
  uti: string;
  size: number;
  local: boolean;
}

export interface LibraryAsset {
  plan: PlannedAsset;
  width: number;
  height: number;
  uti: string;
  originalSize: number;
  resources: LibraryResource[];
}

export const assetTableName = (schema: LibrarySchema) => (schema === 'ios13' ? 'ZGENERICASSET' : 'ZASSET');

function createSchema(db: Database.Database, table: string): void {
  db.exec(`
    CREATE TABLE Z_PRIMARYKEY (Z_ENT INTEGER PRIMARY KEY, Z_NAME VARCHAR, Z_SUPER INTEGER, Z_MAX INTEGER);
    CREATE TABLE Z_METADATA (Z_VERSION INTEGER PRIMARY KEY, Z_UUID VARCHAR(255), Z_PLIST BLOB);
    CREATE TABLE ${table} (
      Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER,
      ZADDITIONALATTRIBUTES INTEGER, ZAVALANCHEPICKTYPE INTEGER, ZCLOUDLOCALSTATE INTEGER,
      ZFAVORITE INTEGER, ZHASADJUSTMENTS INTEGER, ZHEIGHT INTEGER, ZHIDDEN INTEGER, ZKIND INTEGER,
      ZKINDSUBTYPE INTEGER, ZORIENTATION INTEGER, ZSAVEDASSETTYPE INTEGER, ZTRASHEDSTATE INTEGER,
      ZVISIBILITYSTATE INTEGER, ZWIDTH INTEGER,
      ZADDEDDATE TIMESTAMP, ZDATECREATED TIMESTAMP, ZMODIFICATIONDATE TIMESTAMP, ZTRASHEDDATE TIMESTAMP,
      ZDURATION FLOAT,
      ZAVALANCHEUUID VARCHAR, ZCLOUDASSETGUID VARCHAR, ZDIRECTORY VARCHAR, ZFILENAME VARCHAR,
      ZMEDIAGROUPUUID VARCHAR, ZUNIFORMTYPEIDENTIFIER VARCHAR, ZUUID VARCHAR
    );
    CREATE INDEX Z_${table}_ZUUID ON ${table} (ZUUID);
    CREATE TABLE ZADDITIONALASSETATTRIBUTES (
      Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER,
      ZASSET INTEGER, ZORIGINALFILESIZE INTEGER, ZORIGINALHEIGHT INTEGER, ZORIGINALWIDTH INTEGER,
      ZTIMEZONEOFFSET INTEGER, ZEXIFTIMESTAMPSTRING VARCHAR, ZORIGINALFILENAME VARCHAR, ZTIMEZONENAME VARCHAR
    );
    CREATE INDEX Z_ADDITIONALASSETATTRIBUTES_ZASSET ON ZADDITIONALASSETATTRIBUTES (ZASSET);
    CREATE TABLE ZUNIFORMTYPEIDENTIFIER (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZIDENTIFIER VARCHAR);
    CREATE TABLE ZINTERNALRESOURCE (
      Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER,
      ZASSET INTEGER, ZDATALENGTH INTEGER, ZLOCALAVAILABILITY INTEGER, ZREMOTEAVAILABILITY INTEGER,
      ZRESOURCETYPE INTEGER, ZVERSION INTEGER, ZRECIPEID INTEGER, ZTRASHEDSTATE INTEGER,
      ZUNIFORMTYPEIDENTIFIER INTEGER, ZFINGERPRINT VARCHAR
    );
    CREATE INDEX Z_INTERNALRESOURCE_ZASSET ON ZINTERNALRESOURCE (ZASSET);
  `);
}

/** `GMT+0200`, `GMT-0700`: the zone name Photos stores when it has only an offset (verify). */
function zoneName(offsetMinutes: number): string {
  const abs = Math.abs(offsetMinutes);
  return `GMT${offsetMinutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
}

function exifStamp(ms: number, offsetMinutes: number): string {
  const d = new Date(ms + offsetMinutes * 60_000).toISOString();
  return `${d.slice(0, 10).replace(/-/g, ':')} ${d.slice(11, 19)}`;
}

function insertAll(
  db: Database.Database,
  table: string,
  assets: LibraryAsset[],
  utiIds: Map<string, number>,
  nextResourcePk: { n: number },
): void {
  const insertAsset = db.prepare(`INSERT INTO ${table} (
      Z_PK, Z_ENT, Z_OPT, ZADDITIONALATTRIBUTES, ZAVALANCHEPICKTYPE, ZCLOUDLOCALSTATE, ZFAVORITE, ZHASADJUSTMENTS,
      ZHEIGHT, ZHIDDEN, ZKIND, ZKINDSUBTYPE, ZORIENTATION, ZSAVEDASSETTYPE, ZTRASHEDSTATE, ZVISIBILITYSTATE, ZWIDTH,
      ZADDEDDATE, ZDATECREATED, ZMODIFICATIONDATE, ZTRASHEDDATE, ZDURATION, ZAVALANCHEUUID, ZCLOUDASSETGUID,
      ZDIRECTORY, ZFILENAME, ZMEDIAGROUPUUID, ZUNIFORMTYPEIDENTIFIER, ZUUID)
    VALUES (?, 3, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const insertAttributes = db.prepare(`INSERT INTO ZADDITIONALASSETATTRIBUTES (
      Z_PK, Z_ENT, Z_OPT, ZASSET, ZORIGINALFILESIZE, ZORIGINALHEIGHT, ZORIGINALWIDTH, ZTIMEZONEOFFSET,
      ZEXIFTIMESTAMPSTRING, ZORIGINALFILENAME, ZTIMEZONENAME) VALUES (?, 1, 1, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const insertResource = db.prepare(`INSERT INTO ZINTERNALRESOURCE (
      Z_PK, Z_ENT, Z_OPT, ZASSET, ZDATALENGTH, ZLOCALAVAILABILITY, ZREMOTEAVAILABILITY, ZRESOURCETYPE, ZVERSION,
      ZRECIPEID, ZTRASHEDSTATE, ZUNIFORMTYPEIDENTIFIER, ZFINGERPRINT) VALUES (?, 5, 1, ?, ?, ?, ?, ?, ?, 0, ?, ?, NULL)`);
  for (const { plan: a, width, height, uti, originalSize, resources } of assets) {
    const trashed = a.flags.recentlyDeleted ? 1 : 0;
    const modified = Math.max(a.addedMs, a.edited ? a.modify.utcMs : a.addedMs, a.trashedMs ?? 0);
    insertAsset.run(
      a.pk,
      a.pk,
      a.burstUuid ? (a.burstPick ? 2 : 0) : 0,
      a.cloudGuid ? 1 : 0,
      a.flags.favorite ? 1 : 0,
      a.edited ? 1 : 0,
      height,
      a.flags.hidden ? 1 : 0,
      a.zKind,
      a.zKindSubtype,
      a.location === 'cpl' ? 6 : 3,
      trashed,
      width,
      toCoreData(a.addedMs),
      toCoreData(a.capture.utcMs),
      toCoreData(modified),
      a.trashedMs === null ? null : toCoreData(a.trashedMs),
      a.durationS,
      a.burstUuid,
      a.cloudGuid,
      a.directory,
      a.fileName,
      a.contentIdentifier,
      uti,
      a.uuid,
    );
    insertAttributes.run(
      a.pk,
      a.pk,
      originalSize,
      height,
      width,
      a.capture.offsetMinutes * 60,
      a.still === 'png' ? null : exifStamp(a.fileCapture.utcMs, a.fileCapture.offsetMinutes),
      a.originalName,
      zoneName(a.capture.offsetMinutes),
    );
    for (const r of resources) {
      insertResource.run(
        nextResourcePk.n++,
        a.pk,
        r.size,
        r.local ? 1 : -1,
        a.cloudGuid ? 1 : 0,
        r.type,
        r.version,
        trashed,
        utiIds.get(r.uti) ?? null,
      );
    }
  }
}

/**
 * Writes `photoDataDir/Photos.sqlite` (+ `-wal`, `-shm`). Assets with `plan.inWal` are committed
 * after the last checkpoint, so their rows live only in the WAL. Deterministic for given input.
 */
export function writePhotosLibrary(
  photoDataDir: string,
  assets: LibraryAsset[],
  schema: LibrarySchema,
  seed: string,
): string[] {
  const table = assetTableName(schema);
  const work = mkdtempSync(path.join(os.tmpdir(), 'rollkeeper-photos-sqlite-'));
  const dbPath = path.join(work, 'Photos.sqlite');
  const db = new Database(dbPath);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
    createSchema(db, table);
    const utis = [...new Set(assets.flatMap((a) => a.resources.map((r) => r.uti)))].sort();
    const utiIds = new Map(utis.map((u, i) => [u, i + 1]));
    const nextResourcePk = { n: 1 };
    const older = assets.filter((a) => !a.plan.inWal);
    const newer = assets.filter((a) => a.plan.inWal);
    db.transaction(() => {
      db.prepare('INSERT INTO Z_METADATA VALUES (?, ?, NULL)').run(1, seed);
      for (const [i, u] of utis.entries())
        db.prepare('INSERT INTO ZUNIFORMTYPEIDENTIFIER VALUES (?, 4, 1, ?)').run(i + 1, u);
      insertAll(db, table, older, utiIds, nextResourcePk);
    })();
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.transaction(() => {
      insertAll(db, table, newer, utiIds, nextResourcePk);
      const entities: [number, string, number][] = [
        [1, 'AdditionalAssetAttributes', assets.length],
        [3, schema === 'ios13' ? 'GenericAsset' : 'Asset', assets.length],
        [4, 'UniformTypeIdentifier', utis.length],
        [5, 'InternalResource', nextResourcePk.n - 1],
      ];
      for (const [ent, name, max] of entities)
        db.prepare('INSERT INTO Z_PRIMARYKEY VALUES (?, ?, 0, ?)').run(ent, name, max);
    })();

    // Copy the trio while the connection still holds the WAL open: closing would checkpoint it.
    const target = path.join(photoDataDir, 'Photos.sqlite');
    copyFileSync(dbPath, target);
    const wal = readFileSync(`${dbPath}-wal`);
    const shm = readFileSync(`${dbPath}-shm`);
    if (wal.length > 0) {
      const salt = Buffer.from(seed.length ? seed : 'seed').reduce(
        (h, c) => Math.imul(h ^ c, 16777619) >>> 0,
        2166136261,
      );
      if (!rewriteWalSalts(wal, shm, salt, salt ^ 0x5a5a5a5a)) shm.fill(0); // SQLite rebuilds a zeroed index
    }
    writeFileSync(`${target}-wal`, wal);
    writeFileSync(`${target}-shm`, shm);
    return [target, `${target}-wal`, `${target}-shm`];
  } finally {
    db.close();
    rmSync(work, { recursive: true, force: true });
  }
}
