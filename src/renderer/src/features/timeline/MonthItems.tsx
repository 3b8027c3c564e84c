import { useEffect } from 'react';
import type { Badge, TimelineItem } from '../../../../shared/contract';
import { useEngine, useEngineQuery } from '../../engine-context';

/** The badge a user reads; a photo that is safely backed up shows none. */
export const BADGE_LABEL: Record<Badge, string | null> = {
  'not-backed-up': 'Not backed up',
  syncing: 'Syncing',
  'backed-up': null,
  'only-in-account': 'Only in backup',
  'only-in-icloud': 'Only in iCloud',
};

const WHEN = new Intl.DateTimeFormat(undefined, {
  day: 'numeric',
  month: 'short',
  hour: '2-digit',
  minute: '2-digit',
  timeZone: 'UTC',
});
const WHEN_HERE = new Intl.DateTimeFormat(undefined, {
  day: 'numeric',
  month: 'short',
  hour: '2-digit',
  minute: '2-digit',
});

/** The time on the clock where the photo was taken (its own offset), else in the viewer's zone. */
function takenAt(item: TimelineItem): string {
  if (item.takenAtMs === null) return 'No date';
  if (item.offsetMinutes === null) return WHEN_HERE.format(new Date(item.takenAtMs));
  return WHEN.format(new Date(item.takenAtMs + item.offsetMinutes * 60_000));
}

/** One month of the merged timeline, newest first, each item with its badge. */
export function MonthItems({ month }: { month: string }) {
  const engine = useEngine();
  const page = useEngineQuery('timeline.page', { from: `${month}-01`, to: `${month}-31`, limit: 1000 });
  const { reload } = page;
  useEffect(() => {
    const offs = [
      engine.on('library.scanned', reload),
      engine.on('backup.state', (run) => {
        if (run.state !== 'running' && run.state !== 'paused') reload();
      }),
    ];
    return () => offs.forEach((off) => off());
  }, [engine, reload]);

  if (page.error) return <p className="error">{page.error.message}</p>;
  if (!page.data) return <p className="muted">Loading…</p>;
  return (
    <ul className="items" aria-label={`Photos of ${month}`}>
      {page.data.items.map((item) => {
        const badge = BADGE_LABEL[item.badge];
        return (
          <li key={item.id} className="item" data-badge={item.badge}>
            <span className="item-name">{item.name}</span>
            <span className="muted">
              {takenAt(item)} · {item.kind}
            </span>
            {badge && <span className={`badge badge-${item.badge}`}>{badge}</span>}
          </li>
        );
      })}
    </ul>
  );
}
