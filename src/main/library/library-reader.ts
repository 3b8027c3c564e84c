/**
 * Reads the assets out of a copy of Photos.sqlite. The Core Data schema moves between iOS
 * versions, so tables and columns are detected, never assumed: the asset table is ZASSET (iOS 14
 * and later) or ZGENERICASSET (up to iOS 13); optional columns that are absent read as NULL.
 * Column meanings: /work/shared/reference/photo-library-on-device.md (osxphotos, forensic notes).
 */
import type Database from 'better-sqlite3';
import { openDatabase } from '../sqlite';
import type { Asset, AssetKind, ResourceRole } from '../../shared/asset';
import { LibrarySchemaUnknownError, LibraryUnreadableError } from './scan-errors';

/** Seconds between the Unix epoch and Core Data's reference date, 2001-01-01 UTC. */
const CORE_DATA_EPOCH_S = 978_307_200;

/** A resource the library names, with the size it claims (the phone's file may disagree). */
export interface LibraryResource {
  role: ResourceRole;
  path: string;
  size: number;
}

/** An asset as the library describes it; resources are only those it says are on the phone. */
export interface LibraryEntry {
  asset: Omit<Asset, 'resources'>;
  resources: LibraryResource[];
}

export interface LibraryContents {
  table: 'ZASSET' | 'ZGENERICASSET';
  entries: LibraryEntry[];
  /** Rows that could not become assets, and why (no uuid, no file name). */
  skipped: string[];
}

const REQUIRED = ['ZUUID', 'ZDIRECTORY', 'ZFILENAME', 'ZKIND'];
const OPTIONAL = [
  'ZDATECREATED',
  'ZKINDSUBTYPE',
  'ZFAVORITE',
  'ZHIDDEN',
  'ZTRASHEDSTATE',
  'ZAVALANCHEUUID',
  'ZUNIFORMTYPEIDENTIFIER',
];

interface AssetRowRaw {
  Z_PK: number;
  ZUUID: string | null;
  ZDIRECTORY: string | null;
  ZFILENAME: string | null;
  ZKIND: number | null;
  ZDATECREATED: number | null;
  ZKINDSUBTYPE: number | null;
  ZFAVORITE: number | null;
  ZHIDDEN: number | null;
  ZTRASHEDSTATE: number | null;
  ZAVALANCHEUUID: string | null;
  ZUNIFORMTYPEIDENTIFIER: string | null;
  ORIGINAL_NAME: string | null;
  TZ_OFFSET: number | null;
}

interface ResourceRowRaw {
  ZASSET: number;
  ZRESOURCETYPE: number | null;
  ZVERSION: number | null;
  ZDATALENGTH: number | null;
  ZLOCALAVAILABILITY: number | null;
  UTI: string | null;
}

/** Opens the copy read-only and reads every asset. Throws LibraryUnreadableError / LibrarySchemaUnknownError. */
export function readLibrary(dbPath: string): LibraryContents {
  let db: Database.Database;
  try {
    db = openDatabase(dbPath, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new LibraryUnreadableError((error as Error).message, { cause: error });
  }
  try {
    return readOpen(db);
  } catch (error) {
    if (error instanceof Error && error.name === 'SqliteError') {
      throw new LibraryUnreadableError(error.message, { cause: error });
    }
    throw error;
  } finally {
    db.close();
  }
}

function columnsOf(db: Database.Database, table: string): Set<string> {
  return new Set(
    db
      .prepare<[], { name: string }>(`SELECT name FROM pragma_table_info('${table}')`)
      .all()
      .map((c) => c.name),
  );
}

function readOpen(db: Database.Database): LibraryContents {
  // Reading the schema is the first read: a file that is not SQLite fails here ("not a database").
  const tables = new Set(
    db
      .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
      .all()
      .map((t) => t.name),
  );
  const table = tables.has('ZASSET') ? 'ZASSET' : tables.has('ZGENERICASSET') ? 'ZGENERICASSET' : null;
  if (!table) throw new LibrarySchemaUnknownError('it has neither a ZASSET nor a ZGENERICASSET table.');
  const columns = columnsOf(db, table);
  const missing = REQUIRED.filter((c) => !columns.has(c));
  if (missing.length) throw new LibrarySchemaUnknownError(`the ${table} table has no ${missing.join(', ')} column.`);
  const pick = (name: string, have: Set<string>, alias = `a.${name}`) => (have.has(name) ? alias : 'NULL');

  const attrs = tables.has('ZADDITIONALASSETATTRIBUTES')
    ? columnsOf(db, 'ZADDITIONALASSETATTRIBUTES')
    : new Set<string>();
  const joinAttrs = attrs.has('ZASSET');
  const select = `SELECT a.Z_PK, ${[...REQUIRED, ...OPTIONAL].map((c) => `${pick(c, columns)} AS ${c}`).join(', ')},
      ${joinAttrs ? pick('ZORIGINALFILENAME', attrs, 'x.ZORIGINALFILENAME') : 'NULL'} AS ORIGINAL_NAME,
      ${joinAttrs ? pick('ZTIMEZONEOFFSET', attrs, 'x.ZTIMEZONEOFFSET') : 'NULL'} AS TZ_OFFSET
    FROM ${table} a ${joinAttrs ? 'LEFT JOIN ZADDITIONALASSETATTRIBUTES x ON x.ZASSET = a.Z_PK' : ''}
    ORDER BY a.Z_PK`;
  const rows = db.prepare<[], AssetRowRaw>(select).all();
  const resources = readResources(db, tables);

  const entries: LibraryEntry[] = [];
  const skipped: string[] = [];
  for (const row of rows) {
    if (!row.ZUUID || !row.ZFILENAME || !row.ZDIRECTORY) {
      skipped.push(`row ${row.Z_PK} of ${table} has no ${!row.ZUUID ? 'ZUUID' : 'file name or folder'}`);
      continue;
    }
    entries.push(toEntry(row, resources?.get(row.Z_PK)));
  }
  return { table, entries, skipped };
}

function readResources(db: Database.Database, tables: Set<string>): Map<number, ResourceRowRaw[]> | null {
  if (!tables.has('ZINTERNALRESOURCE')) return null;
  const cols = columnsOf(db, 'ZINTERNALRESOURCE');
  if (!['ZASSET', 'ZRESOURCETYPE', 'ZVERSION'].every((c) => cols.has(c))) return null;
  const utiJoin = tables.has('ZUNIFORMTYPEIDENTIFIER') && cols.has('ZUNIFORMTYPEIDENTIFIER');
  const sql = `SELECT r.ZASSET, r.ZRESOURCETYPE, r.ZVERSION,
      ${cols.has('ZDATALENGTH') ? 'r.ZDATALENGTH' : 'NULL'} AS ZDATALENGTH,
      ${cols.has('ZLOCALAVAILABILITY') ? 'r.ZLOCALAVAILABILITY' : 'NULL'} AS ZLOCALAVAILABILITY,
      ${utiJoin ? 'u.ZIDENTIFIER' : 'NULL'} AS UTI
    FROM ZINTERNALRESOURCE r ${utiJoin ? 'LEFT JOIN ZUNIFORMTYPEIDENTIFIER u ON u.Z_PK = r.ZUNIFORMTYPEIDENTIFIER' : ''}
    ORDER BY r.Z_PK`;
  const byAsset = new Map<number, ResourceRowRaw[]>();
  for (const r of db.prepare<[], ResourceRowRaw>(sql).iterate()) {
    const list = byAsset.get(r.ZASSET);
    if (list) list.push(r);
    else byAsset.set(r.ZASSET, [r]);
  }
  return byAsset;
}

/** ZKIND/ZKINDSUBTYPE (+ burst uuid, RAW type) → the asset kind. */
export function kindOf(
  row: Pick<AssetRowRaw, 'ZKIND' | 'ZKINDSUBTYPE' | 'ZAVALANCHEUUID' | 'ZUNIFORMTYPEIDENTIFIER'>,
): AssetKind {
  const subtype = row.ZKINDSUBTYPE ?? 0;
  if (row.ZKIND === 1) {
    if (subtype === 101) return 'slomo';
    if (subtype === 102) return 'timelapse';
    if (subtype === 103) return 'screen-recording';
    return 'video';
  }
  if (row.ZKIND === 0) {
    if (subtype === 2) return 'live';
    if (subtype === 10) return 'screenshot';
    if (row.ZAVALANCHEUUID) return 'burst';
    if (row.ZUNIFORMTYPEIDENTIFIER === 'com.adobe.raw-image') return 'raw';
    return 'photo';
  }
  return 'other';
}

const baseName = (fileName: string) => fileName.replace(/\.[^.]+$/, '');

/** ZDIRECTORY is `DCIM/1xxAPPLE` for camera files, relative to PhotoData for iCloud downloads. */
function mediaFolder(directory: string): string {
  return directory.startsWith('DCIM/') || directory === 'DCIM' ? directory : `PhotoData/${directory}`;
}

/** The extension of a rendered edit of a still, from its type (JPEG on older iOS, HEIC later). */
function editExtension(uti: string | null): string {
  return uti === 'public.heic' ? 'heic' : 'jpg';
}

function toEntry(row: AssetRowRaw, raw: ResourceRowRaw[] | undefined): LibraryEntry {
  const directory = row.ZDIRECTORY!;
  const fileName = row.ZFILENAME!;
  const folder = mediaFolder(directory);
  const mutations = `PhotoData/Mutations/${directory}/${baseName(fileName)}/Adjustments`;
  const kind = kindOf(row);
  const resources: LibraryResource[] = [];
  let iCloudOnly = false;
  if (raw) {
    for (const r of raw) {
      const local = r.ZLOCALAVAILABILITY === null || r.ZLOCALAVAILABILITY === 1;
      const size = r.ZDATALENGTH ?? 0;
      const type = r.ZRESOURCETYPE;
      if (r.ZVERSION === 0 && (type === 0 || type === 1)) {
        // The still of a photo or Live Photo, or the movie of a video.
        if (!local) iCloudOnly = true;
        else resources.push({ role: 'original', path: `${folder}/${fileName}`, size });
      } else if (r.ZVERSION === 0 && type === 3) {
        if (local) resources.push({ role: 'live-video', path: `${folder}/${baseName(fileName)}.MOV`, size });
      } else if (r.ZVERSION === 2 && local) {
        if (type === 0)
          resources.push({ role: 'edited', path: `${mutations}/FullSizeRender.${editExtension(r.UTI)}`, size });
        else if (type === 1) resources.push({ role: 'edited', path: `${mutations}/FullSizeRender.mov`, size });
        else if (type === 7) resources.push({ role: 'adjustment', path: `${mutations}/Adjustments.plist`, size });
      }
    }
  } else {
    // No resource table: assume the original (and a Live Photo's movie) is on the phone; the
    // presence check finds out, and the size comes from the phone.
    resources.push({ role: 'original', path: `${folder}/${fileName}`, size: -1 });
    if (kind === 'live') resources.push({ role: 'live-video', path: `${folder}/${baseName(fileName)}.MOV`, size: -1 });
  }
  const created = row.ZDATECREATED;
  const captureTime =
    typeof created === 'number' && Number.isFinite(created)
      ? {
          utcMs: Math.round((created + CORE_DATA_EPOCH_S) * 1000),
          offsetMinutes: typeof row.TZ_OFFSET === 'number' ? Math.round(row.TZ_OFFSET / 60) : null,
          source: 'library' as const,
        }
      : null;
  return {
    asset: {
      id: row.ZUUID!,
      kind,
      captureTime,
      flags: {
        favorite: row.ZFAVORITE === 1,
        hidden: row.ZHIDDEN === 1,
        recentlyDeleted: row.ZTRASHEDSTATE === 1,
        iCloudOnly,
      },
      originalName: row.ORIGINAL_NAME || fileName,
    },
    resources,
  };
}
