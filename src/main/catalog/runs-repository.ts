import type Database from 'better-sqlite3';
import { CatalogNotFoundError } from './errors';

export type RunKind = 'backup' | 'verify' | 'free-up-space';
export type RunState = 'running' | 'completed' | 'failed' | 'cancelled' | 'interrupted';

export interface RunProgress {
  itemsTotal?: number;
  itemsDone?: number;
  itemsFailed?: number;
  bytesTotal?: number;
  bytesDone?: number;
}

export interface RunRecord extends Required<RunProgress> {
  id: number;
  kind: RunKind;
  deviceId: number | null;
  destinationId: string | null;
  state: RunState;
  startedMs: number;
  finishedMs: number | null;
  error: string | null;
}

interface RunRow {
  id: number;
  kind: RunKind;
  device_id: number | null;
  destination_id: string | null;
  state: RunState;
  started_ms: number;
  finished_ms: number | null;
  items_total: number;
  items_done: number;
  items_failed: number;
  bytes_total: number;
  bytes_done: number;
  error: string | null;
}

const toRun = (r: RunRow): RunRecord => ({
  id: r.id,
  kind: r.kind,
  deviceId: r.device_id,
  destinationId: r.destination_id,
  state: r.state,
  startedMs: r.started_ms,
  finishedMs: r.finished_ms,
  itemsTotal: r.items_total,
  itemsDone: r.items_done,
  itemsFailed: r.items_failed,
  bytesTotal: r.bytes_total,
  bytesDone: r.bytes_done,
  error: r.error,
});

/** Backup, verify and free-up-space runs: what ran, how far it got, how it ended. */
export class RunsRepository {
  private readonly stmts;

  constructor(
    db: Database.Database,
    private readonly now: () => number,
  ) {
    this.stmts = {
      start: db.prepare(`
        INSERT INTO runs (kind, device_id, destination_id, state, pid, started_ms) VALUES (?, ?, ?, 'running', ?, ?)`),
      progress: db.prepare(`
        UPDATE runs SET items_total = coalesce(@itemsTotal, items_total), items_done = coalesce(@itemsDone, items_done),
          items_failed = coalesce(@itemsFailed, items_failed), bytes_total = coalesce(@bytesTotal, bytes_total),
          bytes_done = coalesce(@bytesDone, bytes_done)
        WHERE id = @id AND state = 'running'`),
      finish: db.prepare("UPDATE runs SET state = ?, finished_ms = ?, error = ? WHERE id = ? AND state = 'running'"),
      running: db.prepare<[], { id: number; pid: number }>("SELECT id, pid FROM runs WHERE state = 'running'"),
      interrupt: db.prepare(`
        UPDATE runs SET state = 'interrupted', finished_ms = ?,
          error = 'Rollkeeper stopped before this run finished.' WHERE id = ? AND state = 'running'`),
      get: db.prepare<[number], RunRow>('SELECT * FROM runs WHERE id = ?'),
      recent: db.prepare<[number], RunRow>('SELECT * FROM runs ORDER BY id DESC LIMIT ?'),
    };
  }

  start(kind: RunKind, refs: { deviceId?: number; destinationId?: string } = {}): RunRecord {
    const id = Number(
      this.stmts.start.run(kind, refs.deviceId ?? null, refs.destinationId ?? null, process.pid, this.now())
        .lastInsertRowid,
    );
    return this.get(id);
  }

  /** Updates a running run's counters (only the ones given). */
  progress(id: number, progress: RunProgress): void {
    this.stmts.progress.run({
      id,
      itemsTotal: progress.itemsTotal ?? null,
      itemsDone: progress.itemsDone ?? null,
      itemsFailed: progress.itemsFailed ?? null,
      bytesTotal: progress.bytesTotal ?? null,
      bytesDone: progress.bytesDone ?? null,
    });
  }

  /** Ends a running run; a run that already ended keeps its first ending. */
  finish(id: number, state: Exclude<RunState, 'running' | 'interrupted'>, error?: string): RunRecord {
    this.stmts.finish.run(state, this.now(), error ?? null, id);
    return this.get(id);
  }

  /**
   * Marks runs left "running" by a process that no longer exists (killed, crashed) as
   * interrupted. The catalog does this when it opens. A run of another live process (the app
   * while the CLI opens the same catalog) is left alone.
   */
  markInterrupted(): number {
    let n = 0;
    for (const run of this.stmts.running.all()) {
      if (!processIsAlive(run.pid)) n += this.stmts.interrupt.run(this.now(), run.id).changes;
    }
    return n;
  }

  get(id: number): RunRecord {
    const row = this.stmts.get.get(id);
    if (!row) throw new CatalogNotFoundError(`run #${id}`);
    return toRun(row);
  }

  recent(limit = 20): RunRecord[] {
    return this.stmts.recent.all(limit).map(toRun);
  }
}

/** Whether a process with this id exists (signal 0 checks without sending anything). */
function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
