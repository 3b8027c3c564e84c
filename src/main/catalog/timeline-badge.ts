import type { Badge } from '../../shared/contract';
import type { TimelineItem } from './timeline-repository';

/**
 * The one badge a timeline item shows, from its badge inputs. A badge that lies is the worst
 * bug a backup app can have, so "backed up" needs proof: a *verified* copy, or the item listed
 * in a destination's own index (the destination's record of what it stores).
 *
 * - only-in-account: no phone has it; it is known only from a destination.
 * - backed-up: a verified copy or an index entry exists (on `destinationId` when given).
 * - syncing: a copy is being written or waits for its read-back check.
 * - only-in-icloud: the phones hold only the iCloud original (nothing to back up from them).
 * - not-backed-up: everything else, including failed and missing copies.
 */
export function timelineBadge(item: TimelineItem, destinationId?: string): Badge {
  if (item.onlyInAccount) return 'only-in-account';
  const copies = destinationId ? item.copies.filter((c) => c.destinationId === destinationId) : item.copies;
  const indexed = destinationId ? item.inIndexOf.includes(destinationId) : item.inIndexOf.length > 0;
  if (indexed || copies.some((c) => c.state === 'verified')) return 'backed-up';
  if (copies.some((c) => c.state === 'copying' || c.state === 'copied')) return 'syncing';
  if (item.iCloudOnly) return 'only-in-icloud';
  return 'not-backed-up';
}
