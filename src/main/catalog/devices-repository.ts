import type Database from 'better-sqlite3';
import { CatalogNotFoundError } from './errors';

/** A phone the catalog has seen, keyed by its UDID. */
export interface DeviceRecord {
  id: number;
  udid: string;
  name: string;
  model: string;
  osVersion: string;
  firstSeenMs: number;
  lastSeenMs: number;
}

export interface DeviceInfo {
  name?: string;
  model?: string;
  osVersion?: string;
}

interface DeviceRow {
  id: number;
  udid: string;
  name: string;
  model: string;
  os_version: string;
  first_seen_ms: number;
  last_seen_ms: number;
}

const toDevice = (r: DeviceRow): DeviceRecord => ({
  id: r.id,
  udid: r.udid,
  name: r.name,
  model: r.model,
  osVersion: r.os_version,
  firstSeenMs: r.first_seen_ms,
  lastSeenMs: r.last_seen_ms,
});

/** Phones, by UDID. Each phone also gets an asset source (see AssetsRepository). */
export class DevicesRepository {
  private readonly upsertStmt;
  private readonly byUdidStmt;
  private readonly byIdStmt;
  private readonly listStmt;
  private readonly addSourceStmt;

  constructor(
    private readonly db: Database.Database,
    private readonly now: () => number,
  ) {
    this.upsertStmt = db.prepare(`
      INSERT INTO devices (udid, name, model, os_version, first_seen_ms, last_seen_ms)
      VALUES (@udid, @name, @model, @osVersion, @now, @now)
      ON CONFLICT (udid) DO UPDATE SET
        name = coalesce(@nameOrNull, name), model = coalesce(@modelOrNull, model),
        os_version = coalesce(@osOrNull, os_version), last_seen_ms = @now`);
    this.byUdidStmt = db.prepare<[string], DeviceRow>('SELECT * FROM devices WHERE udid = ?');
    this.byIdStmt = db.prepare<[number], DeviceRow>('SELECT * FROM devices WHERE id = ?');
    this.listStmt = db.prepare<[], DeviceRow>('SELECT * FROM devices ORDER BY last_seen_ms DESC, id');
    this.addSourceStmt = db.prepare('INSERT OR IGNORE INTO sources (device_id) VALUES (?)');
  }

  /** Records that a phone was seen now (name, model and iOS version when known); returns it. */
  upsert(udid: string, info: DeviceInfo = {}): DeviceRecord {
    return this.db.transaction(() => {
      this.upsertStmt.run({
        udid,
        name: info.name ?? '',
        model: info.model ?? '',
        osVersion: info.osVersion ?? '',
        nameOrNull: info.name ?? null,
        modelOrNull: info.model ?? null,
        osOrNull: info.osVersion ?? null,
        now: this.now(),
      });
      const device = this.byUdidStmt.get(udid)!;
      this.addSourceStmt.run(device.id);
      return toDevice(device);
    })();
  }

  byUdid(udid: string): DeviceRecord | undefined {
    const row = this.byUdidStmt.get(udid);
    return row && toDevice(row);
  }

  /** The device with this id; throws CatalogNotFoundError when there is none. */
  get(id: number): DeviceRecord {
    const row = this.byIdStmt.get(id);
    if (!row) throw new CatalogNotFoundError(`device #${id}`);
    return toDevice(row);
  }

  /** Every phone, the most recently seen first. */
  list(): DeviceRecord[] {
    return this.listStmt.all().map(toDevice);
  }
}

/** A backup destination the catalog knows (its id is the destination's own stable id). */
export interface DestinationRecord {
  id: string;
  kind: string;
  name: string;
  createdMs: number;
}

/** Backup destinations (local folder, S3, Jottacloud …). Each one's index is an asset source. */
export class DestinationsRepository {
  private readonly upsertStmt;
  private readonly byIdStmt;
  private readonly listStmt;
  private readonly addSourceStmt;

  constructor(
    private readonly db: Database.Database,
    private readonly now: () => number,
  ) {
    this.upsertStmt = db.prepare(`
      INSERT INTO destinations (id, kind, name, created_ms) VALUES (@id, @kind, @name, @now)
      ON CONFLICT (id) DO UPDATE SET kind = @kind, name = @name`);
    this.byIdStmt = db.prepare<[string], { id: string; kind: string; name: string; created_ms: number }>(
      'SELECT * FROM destinations WHERE id = ?',
    );
    this.listStmt = db.prepare<[], { id: string; kind: string; name: string; created_ms: number }>(
      'SELECT * FROM destinations ORDER BY created_ms, id',
    );
    this.addSourceStmt = db.prepare('INSERT OR IGNORE INTO sources (destination_id) VALUES (?)');
  }

  upsert(id: string, kind: string, name = ''): DestinationRecord {
    return this.db.transaction(() => {
      this.upsertStmt.run({ id, kind, name, now: this.now() });
      this.addSourceStmt.run(id);
      return this.get(id);
    })();
  }

  /** The destination with this id; throws CatalogNotFoundError when there is none. */
  get(id: string): DestinationRecord {
    const r = this.byIdStmt.get(id);
    if (!r) throw new CatalogNotFoundError(`destination "${id}"`);
    return { id: r.id, kind: r.kind, name: r.name, createdMs: r.created_ms };
  }

  list(): DestinationRecord[] {
    return this.listStmt.all().map((r) => ({ id: r.id, kind: r.kind, name: r.name, createdMs: r.created_ms }));
  }
}
