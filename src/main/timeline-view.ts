import type { Bucket, MethodArgs, MethodResult, TimelineItem as ContractItem } from '../shared/contract';
import type { Catalog } from './catalog/database';
import { timelineBadge } from './catalog/timeline-badge';
import { decodeTimelineCursor, encodeTimelineCursor, type TimelineItem } from './catalog/timeline-repository';

/** yyyymmdd or yyyymm (the catalog's integer keys) as the contract's `yyyy-mm-dd` / `yyyy-mm`. */
export function bucketKey(key: number): string {
  const s = String(key);
  return s.length === 8 ? `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6)}` : `${s.slice(0, 4)}-${s.slice(4, 6)}`;
}

function dayNumber(day: string | undefined, fallback: number): number {
  return day === undefined ? fallback : Number(day.replaceAll('-', ''));
}

/** The catalog's timeline answered in the contract's shapes, badges included. */
export class TimelineView {
  constructor(
    private readonly catalog: Catalog,
    /** The destination the user backs up to: badges speak of it (any destination when unset). */
    private readonly destinationId: () => string | undefined,
  ) {}

  buckets(args: MethodArgs<'timeline.buckets'>): Bucket[] {
    return this.catalog.timeline.buckets(args.granularity).map((b) => ({ key: bucketKey(b.key), count: b.count }));
  }

  page(args: MethodArgs<'timeline.page'>): MethodResult<'timeline.page'> {
    const page = this.catalog.timeline.page({
      fromDay: dayNumber(args.from, 0),
      toDay: dayNumber(args.to, 99_999_999),
      limit: args.limit,
      after: args.cursor === undefined ? undefined : decodeTimelineCursor(args.cursor),
    });
    return {
      items: page.items.map((item) => this.toContract(item)),
      nextCursor: page.next ? encodeTimelineCursor(page.next) : null,
    };
  }

  private toContract(item: TimelineItem): ContractItem {
    return {
      id: item.key,
      kind: item.kind,
      takenAtMs: item.captureTime?.utcMs ?? null,
      offsetMinutes: item.captureTime?.offsetMinutes ?? null,
      name: item.originalName,
      badge: timelineBadge(item, this.destinationId()),
      devices: item.phones.map((p) => p.udid),
    };
  }
}
