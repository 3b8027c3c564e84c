import { useState } from 'react';
import { DevicePanel } from './features/devices/DevicePanel';
import { SettingsView } from './features/settings/SettingsView';
import { TimelineView } from './features/timeline/TimelineView';
import { useEngineQuery } from './engine-context';

const VIEWS = [
  { id: 'timeline', label: 'Timeline' },
  { id: 'settings', label: 'Settings' },
] as const;

type ViewId = (typeof VIEWS)[number]['id'];

export function App() {
  const [view, setView] = useState<ViewId>('timeline');
  const info = useEngineQuery('app.info', {});
  return (
    <div className="shell">
      <aside className="sidebar" aria-label="Navigation">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true" />
          Rollkeeper
        </div>
        <nav>
          {VIEWS.map((v) => (
            <button
              key={v.id}
              type="button"
              className={v.id === view ? 'nav-item active' : 'nav-item'}
              aria-current={v.id === view ? 'page' : undefined}
              onClick={() => setView(v.id)}
            >
              {v.label}
            </button>
          ))}
        </nav>
        <DevicePanel />
        <footer className="sidebar-footer">{info.data ? `v${info.data.version}` : ''}</footer>
      </aside>
      <main className="content">{view === 'timeline' ? <TimelineView /> : <SettingsView />}</main>
    </div>
  );
}
