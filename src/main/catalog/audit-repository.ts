import type Database from 'better-sqlite3';

/** One line of the audit log: what Rollkeeper did to the user's files, and when. */
export interface AuditEntry {
  id: number;
  atMs: number;
  /** e.g. `copy.verified`, `erase.deleted`, `erase.refused`. */
  action: string;
  deviceUdid: string | null;
  runId: number | null;
  /** The file or asset it concerns (a path, a library id, a content hash). */
  subject: string | null;
  detail: Record<string, unknown> | null;
}

export interface AuditInput {
  action: string;
  deviceUdid?: string;
  runId?: number;
  subject?: string;
  detail?: Record<string, unknown>;
}

interface AuditRow {
  id: number;
  at_ms: number;
  action: string;
  device_udid: string | null;
  run_id: number | null;
  subject: string | null;
  detail: string | null;
}

/**
 * The audit log. Append-only, enforced by triggers in the schema: deletions from a phone must
 * stay explainable even if the code that made them had a bug. It holds paths and hashes, never
 * pair records or credentials.
 */
export class AuditRepository {
  private readonly stmts;

  constructor(
    db: Database.Database,
    private readonly now: () => number,
  ) {
    this.stmts = {
      append: db.prepare(
        'INSERT INTO audit_log (at_ms, action, device_udid, run_id, subject, detail) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      page: db.prepare<[number, number], AuditRow>('SELECT * FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?'),
      ofRun: db.prepare<[number], AuditRow>('SELECT * FROM audit_log WHERE run_id = ? ORDER BY id'),
    };
  }

  append(entry: AuditInput): number {
    const result = this.stmts.append.run(
      this.now(),
      entry.action,
      entry.deviceUdid ?? null,
      entry.runId ?? null,
      entry.subject ?? null,
      entry.detail ? JSON.stringify(entry.detail) : null,
    );
    return Number(result.lastInsertRowid);
  }

  /** The newest entries first; pass the last id seen as `beforeId` for the next page. */
  recent(limit = 100, beforeId = Number.MAX_SAFE_INTEGER): AuditEntry[] {
    return this.stmts.page.all(beforeId, limit).map(toEntry);
  }

  ofRun(runId: number): AuditEntry[] {
    return this.stmts.ofRun.all(runId).map(toEntry);
  }
}

function toEntry(r: AuditRow): AuditEntry {
  return {
    id: r.id,
    atMs: r.at_ms,
    action: r.action,
    deviceUdid: r.device_udid,
    runId: r.run_id,
    subject: r.subject,
    detail: r.detail === null ? null : (JSON.parse(r.detail) as Record<string, unknown>),
  };
}
