import { useEffect, useRef, useState } from 'react';
import type { BackupRun, EventPayload } from '../../../../shared/contract';
import { formatStorage } from '../../../../shared/format';
import { EngineError } from '../../engine-client';
import { useEngine } from '../../engine-context';

function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  const minutes = Math.ceil(seconds / 60);
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** What an ended run did, in a sentence: what is new in the backup, what was there already, what is not. */
function outcomeOf(summary: NonNullable<BackupRun['summary']>): string {
  const parts: string[] = [];
  if (summary.copied > 0)
    parts.push(`${plural(summary.copied, 'file', 'files')} copied (${formatStorage(summary.bytes)})`);
  if (summary.deduplicated > 0) parts.push(`${summary.deduplicated} already in the backup`);
  return parts.length > 0 ? parts.join(', ') : 'nothing new to copy';
}

/** "Back up now" for a ready phone, then the run's progress with pause, resume and cancel. */
export function BackupControls({ udid }: { udid: string }) {
  const engine = useEngine();
  const [run, setRun] = useState<BackupRun | null>(null);
  const [progress, setProgress] = useState<EventPayload<'backup.progress'> | null>(null);
  const [error, setError] = useState<EngineError | null>(null);
  // This phone's run id, for filtering progress events (several phones may back up at once).
  const runId = useRef<string | null>(null);
  runId.current = run?.runId ?? null;

  useEffect(() => {
    const offs = [
      engine.on('backup.state', (r) => {
        if (r.udid !== udid) return;
        runId.current = r.runId;
        setRun(r);
      }),
      engine.on('backup.progress', (p) => p.runId === runId.current && setProgress(p)),
    ];
    return () => offs.forEach((off) => off());
  }, [engine, udid]);

  async function act(call: () => Promise<BackupRun>) {
    try {
      setError(null);
      const next = await call();
      setProgress((p) => (p?.runId === next.runId ? p : null));
      // The run's own state events are newer than this reply (a small run can end before it arrives).
      setRun((current) => (current?.runId === next.runId ? current : next));
    } catch (e) {
      setError(e instanceof EngineError ? e : new EngineError('internal', String(e), ''));
    }
  }

  const active =
    run !== null && (run.state === 'running' || run.state === 'paused' || run.state === 'waiting-for-phone');
  return (
    <div className="backup-controls">
      {!active && (
        <button type="button" className="primary" onClick={() => act(() => engine.call('backup.start', { udid }))}>
          Back up now
        </button>
      )}
      {active && progress && (
        <div className="backup-progress" role="status">
          <progress max={progress.bytesTotal || 1} value={progress.bytesDone} />
          <span>
            {progress.filesDone} of {progress.filesTotal} files
            {run.state === 'paused'
              ? ' · paused'
              : run.state === 'running' && progress.etaSeconds !== null
                ? ` · ${formatDuration(progress.etaSeconds)} left`
                : ''}
          </span>
        </div>
      )}
      {run?.state === 'waiting-for-phone' && (
        <span className="muted" role="status">
          Waiting for the iPhone: plug it back in and unlock it. The backup goes on by itself.
        </span>
      )}
      {active && (
        <div className="actions">
          {run.state === 'running' ? (
            <button type="button" onClick={() => act(() => engine.call('backup.pause', { runId: run.runId }))}>
              Pause
            </button>
          ) : (
            <button type="button" onClick={() => act(() => engine.call('backup.resume', { runId: run.runId }))}>
              Resume
            </button>
          )}
          <button type="button" onClick={() => act(() => engine.call('backup.cancel', { runId: run.runId }))}>
            Cancel
          </button>
        </div>
      )}
      {run?.state === 'completed' && run.summary && (
        <span className={run.summary.failed > 0 ? 'error' : 'ok'} role="status">
          {run.summary.failed > 0 ? 'Backed up, except ' : 'Backed up: '}
          {run.summary.failed > 0
            ? `${plural(run.summary.failed, 'file', 'files')} that could not be copied (the next backup tries again); ${outcomeOf(run.summary)}.`
            : `${outcomeOf(run.summary)}.`}
        </span>
      )}
      {run?.state === 'cancelled' && (
        <span className="muted" role="status">
          Backup cancelled. {run.summary ? `${outcomeOf(run.summary)}; ` : ''}what was verified stays backed up.
        </span>
      )}
      {run?.state === 'failed' && (
        <span className="error" role="alert">
          Backup stopped: {run.error?.message ?? 'an unexpected error.'} {run.error?.hint}
        </span>
      )}
      {error && (
        <span className="error" role="alert">
          {error.message} {error.hint}
        </span>
      )}
    </div>
  );
}
