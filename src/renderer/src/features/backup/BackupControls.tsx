import { useEffect, useRef, useState } from 'react';
import type { BackupRun, EventPayload } from '../../../../shared/contract';
import { EngineError } from '../../engine-client';
import { useEngine } from '../../engine-context';

function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  const minutes = Math.ceil(seconds / 60);
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
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

  const active = run !== null && (run.state === 'running' || run.state === 'paused');
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
              : progress.etaSeconds !== null
                ? ` · ${formatDuration(progress.etaSeconds)} left`
                : ''}
          </span>
        </div>
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
      {run?.state === 'completed' && <span className="ok">Backed up.</span>}
      {error && (
        <span className="error" role="alert">
          {error.message} {error.hint}
        </span>
      )}
    </div>
  );
}
