import { type FormEvent, useEffect, useState } from 'react';
import { EngineError } from '../../engine-client';
import { useEngine, useEngineQuery } from '../../engine-context';

/** Where backups go, and whether they start by themselves. */
export function SettingsView() {
  const engine = useEngine();
  const settings = useEngineQuery('settings.get', {});
  // The system's folder picker exists in the desktop app only; in a browser the path is typed.
  const canPick = useEngineQuery('app.info', {}).data?.transport === 'electron';
  const [folder, setFolder] = useState('');
  const [autoBackup, setAutoBackup] = useState(false);
  const [status, setStatus] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);

  useEffect(() => {
    if (!settings.data) return;
    setFolder(settings.data.destination?.path ?? '');
    setAutoBackup(settings.data.autoBackup);
  }, [settings.data]);

  async function pick() {
    try {
      const { path } = await engine.call('settings.chooseFolder', folder.trim() ? { current: folder.trim() } : {});
      if (path !== null) setFolder(path);
    } catch (error) {
      setStatus({ kind: 'error', text: error instanceof EngineError ? error.message : String(error) });
    }
  }

  async function save(event: FormEvent) {
    event.preventDefault();
    try {
      await engine.call('settings.update', {
        destination: folder.trim() ? { type: 'local', path: folder.trim() } : null,
        autoBackup,
      });
      setStatus({ kind: 'ok', text: 'Saved.' });
    } catch (error) {
      setStatus({ kind: 'error', text: error instanceof EngineError ? error.message : String(error) });
    }
  }

  return (
    <section className="view" aria-labelledby="settings-title">
      <header className="view-header">
        <h1 id="settings-title">Settings</h1>
      </header>
      {settings.error && <p className="error">{settings.error.message}</p>}
      {/* The form appears once the stored settings are in: typing into it earlier would be overwritten. */}
      {settings.data && (
        <form className="settings" onSubmit={save}>
          <label>
            <span>Backup folder</span>
            <span className="folder-field">
              <input
                type="text"
                value={folder}
                placeholder="/Volumes/NAS/Photos"
                onChange={(e) => setFolder(e.target.value)}
              />
              {canPick && (
                <button type="button" onClick={() => void pick()}>
                  Choose…
                </button>
              )}
            </span>
            <small className="muted">
              A folder on this computer or a mounted NAS. Photos are kept by year and month.
            </small>
          </label>
          <label className="checkbox">
            <input type="checkbox" checked={autoBackup} onChange={(e) => setAutoBackup(e.target.checked)} />
            <span>Back up automatically when my iPhone is connected</span>
          </label>
          <div className="actions">
            <button type="submit" className="primary">
              Save
            </button>
            {status && (
              <span role="status" className={status.kind === 'error' ? 'error' : 'muted'}>
                {status.text}
              </span>
            )}
          </div>
        </form>
      )}
    </section>
  );
}
