import { useEffect, useState } from 'react';
import { useEngine, useEngineQuery } from '../../engine-context';
import { MonthItems } from './MonthItems';

const MONTH = new Intl.DateTimeFormat(undefined, { month: 'long', year: 'numeric', timeZone: 'UTC' });

/** "2024-06" as "June 2024" in the reader's language. */
function monthLabel(key: string): string {
  const [year, month] = key.split('-').map(Number);
  return MONTH.format(new Date(Date.UTC(year, month - 1, 1)));
}

/** The merged timeline: month buckets of phone and account photos, newest first. */
export function TimelineView() {
  const engine = useEngine();
  const months = useEngineQuery('timeline.buckets', { granularity: 'month' });
  const { reload } = months;
  const [open, setOpen] = useState<string | null>(null);
  // A phone's library was read: new months and counts.
  useEffect(() => engine.on('library.scanned', reload), [engine, reload]);
  return (
    <section className="view" aria-labelledby="timeline-title">
      <header className="view-header">
        <h1 id="timeline-title">Timeline</h1>
      </header>
      {months.error && <p className="error">{months.error.message}</p>}
      {months.data?.length === 0 && (
        <div className="empty">
          <p className="empty-title">No photos yet</p>
          <p className="muted">
            Photos from your iPhone and from your backup appear here, sorted by the time they were taken.
          </p>
        </div>
      )}
      <ul className="months">
        {months.data?.map((m) => (
          <li key={m.key} data-month={m.key}>
            <button
              type="button"
              className="month"
              aria-expanded={open === m.key}
              onClick={() => setOpen(open === m.key ? null : m.key)}
            >
              <span>{monthLabel(m.key)}</span>
              <span className="muted">
                {m.count} {m.count === 1 ? 'item' : 'items'}
              </span>
            </button>
            {open === m.key && <MonthItems month={m.key} />}
          </li>
        ))}
      </ul>
    </section>
  );
}
