/**
 * Photos.sqlite schema detection on hand-made databases: the minimum the reader needs, missing
 * optional tables and columns, unknown layouts, and files that are not databases at all.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kindOf, readLibrary } from '../../../src/main/library/library-reader';
import { LibrarySchemaUnknownError, LibraryUnreadableError } from '../../../src/main/library/scan-errors';
import { tempDir } from '../../helpers/temp-dir';

let dir: { dir: string; cleanup: () => Promise<void> };
let n = 0;
beforeAll(async () => {
  dir = await tempDir('rollkeeper-library-reader-');
});
afterAll(async () => {
  await dir?.cleanup();
});

function database(sql: string): string {
  const file = path.join(dir.dir, `db-${++n}.sqlite`);
  const db = new Database(file);
  db.exec(sql);
  db.close();
  return file;
}

describe('readLibrary', () => {
  it('needs only the core columns: the rest reads as unknown, the original as on the phone', () => {
    const file = database(`
      CREATE TABLE ZASSET (Z_PK INTEGER PRIMARY KEY, ZUUID TEXT, ZDIRECTORY TEXT, ZFILENAME TEXT, ZKIND INTEGER);
      INSERT INTO ZASSET VALUES (1, 'U1', 'DCIM/100APPLE', 'IMG_0001.HEIC', 0);
      INSERT INTO ZASSET VALUES (2, 'U2', 'DCIM/100APPLE', 'IMG_0002.MOV', 1);
      INSERT INTO ZASSET VALUES (3, NULL, 'DCIM/100APPLE', 'IMG_0003.HEIC', 0);`);
    const contents = readLibrary(file);
    expect(contents.table).toBe('ZASSET');
    expect(contents.entries.map((e) => [e.asset.id, e.asset.kind, e.asset.captureTime, e.asset.originalName])).toEqual([
      ['U1', 'photo', null, 'IMG_0001.HEIC'],
      ['U2', 'video', null, 'IMG_0002.MOV'],
    ]);
    expect(contents.entries[0]!.resources).toEqual([
      { role: 'original', path: 'DCIM/100APPLE/IMG_0001.HEIC', size: -1 },
    ]);
    expect(contents.skipped).toEqual(['row 3 of ZASSET has no ZUUID']);
  });

  it('reads ZGENERICASSET, dates with their zone, resources, iCloud-only and edits', () => {
    const file = database(`
      CREATE TABLE ZGENERICASSET (Z_PK INTEGER PRIMARY KEY, ZUUID TEXT, ZDIRECTORY TEXT, ZFILENAME TEXT, ZKIND INTEGER,
        ZKINDSUBTYPE INTEGER, ZDATECREATED TIMESTAMP, ZFAVORITE INTEGER, ZTRASHEDSTATE INTEGER);
      CREATE TABLE ZADDITIONALASSETATTRIBUTES (Z_PK INTEGER PRIMARY KEY, ZASSET INTEGER, ZORIGINALFILENAME TEXT, ZTIMEZONEOFFSET INTEGER);
      CREATE TABLE ZINTERNALRESOURCE (Z_PK INTEGER PRIMARY KEY, ZASSET INTEGER, ZRESOURCETYPE INTEGER, ZVERSION INTEGER,
        ZDATALENGTH INTEGER, ZLOCALAVAILABILITY INTEGER);
      INSERT INTO ZGENERICASSET VALUES (1, 'LIVE', 'DCIM/100APPLE', 'IMG_0001.HEIC', 0, 2, 700000000.25, 1, 0);
      INSERT INTO ZGENERICASSET VALUES (2, 'CLOUD', 'CPLAssets/group7', 'CLOUD.JPG', 0, 0, 0, 0, 1);
      INSERT INTO ZADDITIONALASSETATTRIBUTES VALUES (1, 1, 'IMG_0001.HEIC', -25200);
      INSERT INTO ZADDITIONALASSETATTRIBUTES VALUES (2, 2, 'Beach.jpg', 3600);
      INSERT INTO ZINTERNALRESOURCE VALUES (1, 1, 0, 0, 1000, 1);
      INSERT INTO ZINTERNALRESOURCE VALUES (2, 1, 3, 0, 2000, 1);
      INSERT INTO ZINTERNALRESOURCE VALUES (3, 1, 0, 2, 300, 1);
      INSERT INTO ZINTERNALRESOURCE VALUES (4, 1, 7, 2, 40, 1);
      INSERT INTO ZINTERNALRESOURCE VALUES (5, 2, 0, 0, 5000, 0);`);
    const [live, cloud] = readLibrary(file).entries;
    expect(live!.asset).toEqual({
      id: 'LIVE',
      kind: 'live',
      captureTime: { utcMs: (700000000.25 + 978307200) * 1000, offsetMinutes: -420, source: 'library' },
      flags: { favorite: true, hidden: false, recentlyDeleted: false, iCloudOnly: false },
      originalName: 'IMG_0001.HEIC',
    });
    expect(live!.resources).toEqual([
      { role: 'original', path: 'DCIM/100APPLE/IMG_0001.HEIC', size: 1000 },
      { role: 'live-video', path: 'DCIM/100APPLE/IMG_0001.MOV', size: 2000 },
      { role: 'edited', path: 'PhotoData/Mutations/DCIM/100APPLE/IMG_0001/Adjustments/FullSizeRender.jpg', size: 300 },
      {
        role: 'adjustment',
        path: 'PhotoData/Mutations/DCIM/100APPLE/IMG_0001/Adjustments/Adjustments.plist',
        size: 40,
      },
    ]);
    expect(cloud!.asset.flags).toEqual({ favorite: false, hidden: false, recentlyDeleted: true, iCloudOnly: true });
    expect(cloud!.asset.originalName).toBe('Beach.jpg');
    expect(cloud!.resources).toEqual([]);
  });

  it('refuses an unknown schema with a typed error that names what is missing', () => {
    expect(() => readLibrary(database('CREATE TABLE ZPHOTO (Z_PK INTEGER PRIMARY KEY);'))).toThrow(
      LibrarySchemaUnknownError,
    );
    const noFileName = database(
      'CREATE TABLE ZASSET (Z_PK INTEGER PRIMARY KEY, ZUUID TEXT, ZDIRECTORY TEXT, ZKIND INTEGER);',
    );
    expect(() => readLibrary(noFileName)).toThrow(/ZFILENAME/);
  });

  it('refuses garbage, truncated and missing files as unreadable', () => {
    const garbage = path.join(dir.dir, 'garbage.sqlite');
    writeFileSync(garbage, Buffer.from('not a database '.repeat(400)));
    const truncated = path.join(dir.dir, 'truncated.sqlite');
    writeFileSync(truncated, Buffer.from('SQLite format 3\0').subarray(0, 12));
    for (const file of [garbage, truncated, path.join(dir.dir, 'absent.sqlite')]) {
      let error: unknown;
      try {
        readLibrary(file);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(LibraryUnreadableError);
      expect((error as LibraryUnreadableError).code).toBe('library.unreadable');
      expect((error as LibraryUnreadableError).hint).toMatch(/DCIM/);
    }
  });
});

describe('kindOf', () => {
  it('maps ZKIND and ZKINDSUBTYPE as iOS writes them', () => {
    const k = (
      ZKIND: number | null,
      ZKINDSUBTYPE: number | null,
      ZAVALANCHEUUID: string | null = null,
      uti: string | null = null,
    ) => kindOf({ ZKIND, ZKINDSUBTYPE, ZAVALANCHEUUID, ZUNIFORMTYPEIDENTIFIER: uti });
    expect([k(0, 0), k(0, 2), k(0, 10), k(0, 0, 'B'), k(0, 0, null, 'com.adobe.raw-image')]).toEqual([
      'photo',
      'live',
      'screenshot',
      'burst',
      'raw',
    ]);
    expect([k(1, 0), k(1, 101), k(1, 102), k(1, 103), k(7, 0), k(null, null)]).toEqual([
      'video',
      'slomo',
      'timelapse',
      'screen-recording',
      'other',
      'other',
    ]);
  });
});
