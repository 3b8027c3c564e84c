import { useEngineQuery } from '../../engine-context';

/** The merged timeline: month buckets of phone and account photos, newest first. */
export function TimelineView() {
  const months = useEngineQuery('timeline.buckets', { granularity: 'month' });
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
          <li key={m.key}>
            <span>{m.key}</span>
            <span className="muted">{m.count}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
