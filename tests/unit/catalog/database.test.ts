import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/main/catalog/database';
import { CatalogTooNewError, CatalogUnreadableError } from '../../../src/main/catalog/errors';
import { migrate } from '../../../src/main/catalog/migrate';
import { migrations } from '../../../src/main/catalog/migrations/index';
import { makeAsset } from './make-asset';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rk-catalog-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('Catalog.open', () => {
  it('creates and migrates a new file in WAL mode', () => {
    const file = path.join(dir, 'sub', 'catalog.sqlite');
    const catalog = Catalog.open(file);
    try {
      expect(catalog.migrated).toEqual([1, 2]);
      expect(catalog.schemaVersion).toBe(2);
      expect(catalog.db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(catalog.db.pragma('foreign_keys', { simple: true })).toBe(1);
      const tables = catalog.db
        .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .all()
        .map((t) => t.name);
      expect(tables).toEqual(
        expect.arrayContaining([
          'assets',
          'audit_log',
          'copies',
          'destinations',
          'devices',
          'resources',
          'runs',
          'sources',
        ]),
      );
    } finally {
      catalog.close();
    }
  });

  it('migrates an existing empty (0-byte) file', () => {
    const file = path.join(dir, 'catalog.sqlite');
    fs.writeFileSync(file, '');
    const catalog = Catalog.open(file);
    try {
      expect(catalog.migrated).toEqual([1, 2]);
      expect(catalog.devices.list()).toEqual([]);
    } finally {
      catalog.close();
    }
  });

  it('keeps everything across a reopen and runs no migration twice', () => {
    const file = path.join(dir, 'catalog.sqlite');
    const first = Catalog.open(file);
    const phone = first.devices.upsert('00008110-000A1B2C3D4E', { name: 'Anna’s iPhone', model: 'iPhone15,2' });
    first.assets.replaceDeviceAssets(phone.id, [makeAsset('A'), makeAsset('B')]);
    first.destinations.upsert('local:/mnt/nas', 'local', 'NAS');
    first.close();

    const second = Catalog.open(file);
    try {
      expect(second.migrated).toEqual([]);
      expect(second.devices.byUdid('00008110-000A1B2C3D4E')).toMatchObject({ id: phone.id, name: 'Anna’s iPhone' });
      expect(
        second.assets
          .listOnDevice(phone.id)
          .map((a) => a.key)
          .sort(),
      ).toEqual(['A', 'B']);
      expect(second.destinations.list().map((d) => d.id)).toEqual(['local:/mnt/nas']);
    } finally {
      second.close();
    }
  });

  it('upgrades a version-1 catalog, keeping its data, also when the scanner made its table already', () => {
    const file = path.join(dir, 'catalog.sqlite');
    const old = new Database(file);
    migrate(old, migrations.slice(0, 1), file);
    old.prepare("INSERT INTO devices (udid, first_seen_ms, last_seen_ms) VALUES ('OLD', 1, 1)").run();
    old.exec(
      'CREATE TABLE library_scan_state (device_id INTEGER PRIMARY KEY, fingerprint TEXT NOT NULL, report TEXT NOT NULL, scanned_ms INTEGER NOT NULL) STRICT',
    );
    old.close();
    const catalog = Catalog.open(file);
    try {
      expect(catalog.migrated).toEqual([2]);
      expect(catalog.devices.byUdid('OLD')?.udid).toBe('OLD');
    } finally {
      catalog.close();
    }
  });

  it('refuses a catalog from a newer Rollkeeper without touching it', () => {
    const file = path.join(dir, 'catalog.sqlite');
    const db = new Database(file);
    db.pragma('user_version = 99');
    db.close();
    const before = fs.readFileSync(file);
    let caught: unknown;
    try {
      Catalog.open(file);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CatalogTooNewError);
    expect((caught as CatalogTooNewError).code).toBe('catalog.too-new');
    expect((caught as CatalogTooNewError).hint).toMatch(/Update Rollkeeper/);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
  });

  it('turns a file that is not SQLite into a typed error with a hint', () => {
    const file = path.join(dir, 'catalog.sqlite');
    fs.writeFileSync(file, Buffer.alloc(8192, 0x41));
    let caught: unknown;
    try {
      Catalog.open(file);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CatalogUnreadableError);
    expect((caught as CatalogUnreadableError).code).toBe('catalog.unreadable');
    expect((caught as CatalogUnreadableError).message).toContain(file);
    // The damaged file is left as it was, for the user to keep or move aside.
    expect(fs.readFileSync(file).equals(Buffer.alloc(8192, 0x41))).toBe(true);
  });

  it('marks runs a killed process left running as interrupted on the next open', () => {
    const file = path.join(dir, 'catalog.sqlite');
    const first = Catalog.open(file);
    const run = first.runs.start('backup');
    first.runs.progress(run.id, { itemsTotal: 10, itemsDone: 4 });
    const done = first.runs.start('verify');
    first.runs.finish(done.id, 'completed');
    const live = first.runs.start('backup'); // this (live) process's run
    // The first run's process died: give it the id of a process that has exited.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    first.db.prepare('UPDATE runs SET pid = ? WHERE id = ?').run(dead, run.id);
    first.close();

    const second = Catalog.open(file);
    try {
      expect(second.runs.get(run.id)).toMatchObject({ state: 'interrupted', itemsTotal: 10, itemsDone: 4 });
      expect(second.runs.get(run.id).error).toMatch(/stopped before/);
      expect(second.runs.get(done.id).state).toBe('completed');
      // Another process (the app) still running its backup while the CLI opens the catalog.
      expect(second.runs.get(live.id).state).toBe('running');
    } finally {
      second.close();
    }
  });
});

describe('migrate', () => {
  it('runs each migration with its version bump in one transaction: a failing one leaves the previous version', () => {
    const db = new Database(':memory:');
    const steps = [
      { version: 1, name: 'one', up: 'CREATE TABLE one (x INTEGER);' },
      {
        version: 2,
        name: 'two',
        up: (d: Database.Database) => {
          d.exec('CREATE TABLE two (x INTEGER);');
          throw new Error('disk full');
        },
      },
    ];
    expect(() => migrate(db, steps, ':memory:')).toThrow('disk full');
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    const tables = db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").all();
    expect(tables.map((t) => t.name)).toEqual(['one']);
    expect(migrate(db, steps.slice(0, 1), ':memory:')).toEqual([]);
    db.close();
  });
});

describe('audit log', () => {
  it('appends entries and refuses to change or delete them', () => {
    let t = 1000;
    const catalog = Catalog.open(':memory:', { now: () => t++ });
    try {
      const run = catalog.runs.start('free-up-space');
      catalog.audit.append({
        action: 'erase.deleted',
        deviceUdid: 'U1',
        runId: run.id,
        subject: 'DCIM/100APPLE/IMG_0001.HEIC',
        detail: { sha256: 'ab' },
      });
      catalog.audit.append({
        action: 'erase.refused',
        deviceUdid: 'U1',
        runId: run.id,
        subject: 'DCIM/100APPLE/IMG_0002.HEIC',
      });
      expect(catalog.audit.recent().map((e) => e.action)).toEqual(['erase.refused', 'erase.deleted']);
      expect(catalog.audit.ofRun(run.id)[0]).toMatchObject({ detail: { sha256: 'ab' }, deviceUdid: 'U1' });
      expect(() => catalog.db.prepare('DELETE FROM audit_log').run()).toThrow(/append-only/);
      expect(() => catalog.db.prepare("UPDATE audit_log SET action = 'x'").run()).toThrow(/append-only/);
      expect(catalog.audit.recent()).toHaveLength(2);
      const [newest] = catalog.audit.recent(1);
      expect(catalog.audit.recent(10, newest!.id).map((e) => e.action)).toEqual(['erase.deleted']);
    } finally {
      catalog.close();
    }
  });
});

describe('runs', () => {
  it('keeps the first ending of a run', () => {
    const catalog = Catalog.open(':memory:');
    try {
      const run = catalog.runs.start('backup');
      catalog.runs.finish(run.id, 'cancelled', 'Stopped by the user');
      catalog.runs.finish(run.id, 'completed');
      catalog.runs.progress(run.id, { itemsDone: 99 });
      expect(catalog.runs.get(run.id)).toMatchObject({
        state: 'cancelled',
        error: 'Stopped by the user',
        itemsDone: 0,
      });
    } finally {
      catalog.close();
    }
  });
});
