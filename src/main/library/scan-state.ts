/**
 * What the last complete scan of each phone saw: the fingerprint of its library files (and DCIM
 * listing, for DCIM scans) and the report it produced. A rescan whose fingerprint is equal does
 * no per-file work and answers with the stored report.
 *
 * Kept in the catalog's database, in a table of its own created on first use. (For helper D:
 * worth folding into a catalog migration; the table has no foreign key, so forgetting a device
 * leaves a harmless row.)
 */
import type Database from 'better-sqlite3';

export interface StoredScanState<R> {
  fingerprint: string;
  report: R;
  scannedMs: number;
}

export class ScanStateStore<R> {
  private readonly getStmt;
  private readonly setStmt;
  private readonly clearStmt;

  constructor(db: Database.Database) {
    db.exec(`CREATE TABLE IF NOT EXISTS library_scan_state (
      device_id   INTEGER PRIMARY KEY,
      fingerprint TEXT NOT NULL,
      report      TEXT NOT NULL,
      scanned_ms  INTEGER NOT NULL
    ) STRICT`);
    this.getStmt = db.prepare<[number], { fingerprint: string; report: string; scanned_ms: number }>(
      'SELECT fingerprint, report, scanned_ms FROM library_scan_state WHERE device_id = ?',
    );
    this.setStmt = db.prepare(
      `INSERT INTO library_scan_state (device_id, fingerprint, report, scanned_ms) VALUES (?, ?, ?, ?)
       ON CONFLICT (device_id) DO UPDATE SET fingerprint = excluded.fingerprint, report = excluded.report,
         scanned_ms = excluded.scanned_ms`,
    );
    this.clearStmt = db.prepare('DELETE FROM library_scan_state WHERE device_id = ?');
  }

  get(deviceId: number): StoredScanState<R> | undefined {
    const row = this.getStmt.get(deviceId);
    if (!row) return undefined;
    try {
      return { fingerprint: row.fingerprint, report: JSON.parse(row.report) as R, scannedMs: row.scanned_ms };
    } catch {
      return undefined; // a damaged row only costs one full scan
    }
  }

  set(deviceId: number, fingerprint: string, report: R, scannedMs: number): void {
    this.setStmt.run(deviceId, fingerprint, JSON.stringify(report), scannedMs);
  }

  clear(deviceId: number): void {
    this.clearStmt.run(deviceId);
  }
}
