import type Database from 'better-sqlite3';
import { COPY_STATES, type CopyState, statesLeadingTo } from './copy-state';
import { IllegalCopyTransitionError } from './errors';

/** One file's copy on one destination, keyed by (destination, content hash). */
export interface CopyRecord {
  destinationId: string;
  sha256: string;
  size: number;
  state: CopyState;
  /** Where the destination stored it (opaque), once written. */
  location: string | null;
  /** Why the last attempt failed, in words for the user. */
  error: string | null;
  attempts: number;
  createdMs: number;
  updatedMs: number;
  verifiedMs: number | null;
}

interface CopyRow {
  destination_id: string;
  sha256: string;
  size: number;
  state: CopyState;
  location: string | null;
  error: string | null;
  attempts: number;
  created_ms: number;
  updated_ms: number;
  verified_ms: number | null;
}

const toCopy = (r: CopyRow): CopyRecord => ({
  destinationId: r.destination_id,
  sha256: r.sha256,
  size: r.size,
  state: r.state,
  location: r.location,
  error: r.error,
  attempts: r.attempts,
  createdMs: r.created_ms,
  updatedMs: r.updated_ms,
  verifiedMs: r.verified_ms,
});

export interface TransitionDetails {
  /** Set with `copied` (and kept afterwards). */
  location?: string;
  /** Set with `failed` / `missing`; cleared by every other state. */
  error?: string;
}

/**
 * Destination copies and their state machine (see copy-state.ts). Because copies are keyed by
 * content, a photo that is on two phones is copied once.
 */
export class CopiesRepository {
  private readonly stmts;
  private readonly transitionStmts = new Map<CopyState, Database.Statement>();

  constructor(
    private readonly db: Database.Database,
    private readonly now: () => number,
  ) {
    this.stmts = {
      plan: db.prepare(`
        INSERT INTO copies (destination_id, sha256, size, state, created_ms, updated_ms)
        VALUES (?, ?, ?, 'unknown', ?, ?) ON CONFLICT DO NOTHING`),
      get: db.prepare<[string, string], CopyRow>('SELECT * FROM copies WHERE destination_id = ? AND sha256 = ?'),
      bySha: db.prepare<[string], CopyRow>('SELECT * FROM copies WHERE sha256 = ? ORDER BY destination_id'),
      countByState: db.prepare<[string], { state: CopyState; n: number }>(
        'SELECT state, count(*) AS n FROM copies WHERE destination_id = ? GROUP BY state',
      ),
      inState: db.prepare<[string, string, number], CopyRow>(
        'SELECT * FROM copies WHERE destination_id = ? AND state = ? ORDER BY updated_ms LIMIT ?',
      ),
    };
  }

  /** Records that this content should be on this destination (state unknown); keeps an existing record. */
  plan(destinationId: string, sha256: string, size: number): CopyRecord {
    const now = this.now();
    this.stmts.plan.run(destinationId, sha256, size, now, now);
    return this.get(destinationId, sha256)!;
  }

  get(destinationId: string, sha256: string): CopyRecord | undefined {
    const row = this.stmts.get.get(destinationId, sha256);
    return row && toCopy(row);
  }

  /** Every destination's copy of this content. */
  copiesOf(sha256: string): CopyRecord[] {
    return this.stmts.bySha.all(sha256).map(toCopy);
  }

  /**
   * Moves a copy to `to`, atomically: one conditional UPDATE, so two workers can't both start
   * the same copy. Throws IllegalCopyTransitionError (and changes nothing) when the copy's
   * current state does not lead to `to`, or when the copy was never planned.
   */
  transition(destinationId: string, sha256: string, to: CopyState, details: TransitionDetails = {}): CopyRecord {
    const result = this.transitionStmt(to).run({
      destinationId,
      sha256,
      now: this.now(),
      location: details.location ?? null,
      error: to === 'failed' || to === 'missing' ? (details.error ?? 'unknown error') : null,
    });
    if (result.changes === 0) {
      throw new IllegalCopyTransitionError(destinationId, sha256, this.get(destinationId, sha256)?.state ?? null, to);
    }
    return this.get(destinationId, sha256)!;
  }

  /** How many copies on a destination are in each state. */
  countByState(destinationId: string): Record<CopyState, number> {
    const counts: Record<CopyState, number> = { unknown: 0, copying: 0, copied: 0, verified: 0, failed: 0, missing: 0 };
    for (const r of this.stmts.countByState.all(destinationId)) counts[r.state] = r.n;
    return counts;
  }

  /** Copies on a destination in one state, the least recently touched first (e.g. what to retry). */
  inState(destinationId: string, state: CopyState, limit = 1000): CopyRecord[] {
    return this.stmts.inState.all(destinationId, state, limit).map(toCopy);
  }

  private transitionStmt(to: CopyState): Database.Statement {
    if (!COPY_STATES.includes(to)) throw new TypeError(`not a copy state: ${String(to)}`);
    let stmt = this.transitionStmts.get(to);
    if (!stmt) {
      const from = statesLeadingTo(to)
        .map((s) => `'${s}'`)
        .join(', ');
      stmt = this.db.prepare(`
        UPDATE copies SET state = '${to}', updated_ms = @now, error = @error,
          location = coalesce(@location, location),
          attempts = attempts + ${to === 'copying' ? 1 : 0},
          verified_ms = ${to === 'verified' ? '@now' : 'verified_ms'}
        WHERE destination_id = @destinationId AND sha256 = @sha256 AND state IN (${from})`);
      this.transitionStmts.set(to, stmt);
    }
    return stmt;
  }
}
