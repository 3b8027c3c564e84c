import type Database from 'better-sqlite3';
import type { AssetKind, CaptureTime, CopyState } from '../../shared/asset';
import { captureTimeOfRow } from './asset-rows';
import { InvalidTimelineCursorError } from './errors';

/** A day (yyyymmdd) or month (yyyymm) of *local* capture dates and how many items it holds. */
export interface TimelineBucket {
  key: number;
  count: number;
}

/** Where a page continues: after the last item of the previous page. Opaque: pass it back as is. */
export interface TimelineCursor {
  beforeMs: number;
  beforeGroup: number;
}

export interface TimelinePageQuery {
  /** First and last local day (yyyymmdd), inclusive. */
  fromDay: number;
  toDay: number;
  /** Items per page (default 500, at most 10,000). */
  limit?: number;
  after?: TimelineCursor;
}

/** A phone that holds the photo. */
export interface TimelinePhone {
  deviceId: number;
  udid: string;
  name: string;
  /** The catalog row of the asset on that phone. */
  assetRowId: number;
  recentlyDeleted: boolean;
  iCloudOnly: boolean;
}

/**
 * One photo or video on the merged timeline: the same content on several phones and in the
 * account is one item. Carries what the badges need.
 */
export interface TimelineItem {
  /** Stable item key: `sha256:<hex>` once the content is known, else `asset:<catalog row id>`. */
  key: string;
  /** The instant the timeline sorts by (the newest member's). */
  sortMs: number;
  captureTime: CaptureTime | null;
  /** The local capture day, yyyymmdd: the bucket it belongs to. */
  localDay: number;
  kind: AssetKind;
  originalName: string;
  contentSha256: string | null;
  favorite: boolean;
  hidden: boolean;
  /** Phones holding it (badge "on iPhone"), in the order the catalog met them. */
  phones: TimelinePhone[];
  /** Destinations whose own index lists it (the account). */
  inIndexOf: string[];
  /** This content's copy state on each destination that has a copy record. */
  copies: { destinationId: string; state: CopyState }[];
  /** Every phone holding it has only the iCloud original, not the full file. */
  iCloudOnly: boolean;
  /** No phone holds it: it is known only from a destination/account ("only in the account"). */
  onlyInAccount: boolean;
}

export interface TimelinePage {
  items: TimelineItem[];
  /** Pass as `after` for the next page; null on the last page. */
  next: TimelineCursor | null;
}

/** The cursor as an opaque string for the engine contract. */
export function encodeTimelineCursor(cursor: TimelineCursor): string {
  return `${cursor.beforeMs}:${cursor.beforeGroup}`;
}

/** Reads a cursor string back; throws InvalidTimelineCursorError for anything else. */
export function decodeTimelineCursor(text: string): TimelineCursor {
  const m = /^(-?\d{1,16}):(-?\d{1,16})$/.exec(text);
  const cursor = m ? { beforeMs: Number(m[1]), beforeGroup: Number(m[2]) } : null;
  if (!cursor || !Number.isSafeInteger(cursor.beforeMs) || !Number.isSafeInteger(cursor.beforeGroup)) {
    throw new InvalidTimelineCursorError(text);
  }
  return cursor;
}

/** A row of the day range, straight off the covering assets_timeline index (raw mode: arrays). */
type RangeRow = [
  group: number,
  utcMs: number,
  id: number,
  sourceId: number,
  kind: string,
  originalName: string,
  offsetMin: number | null,
  captureSource: string | null,
  localDay: number,
  flags: number,
];
/** A member of a group, off the covering assets_group index. */
type MemberRow = [group: number, id: number, sourceId: number, flags: number];

const FAVORITE = 1;
const HIDDEN = 2;
const RECENTLY_DELETED = 4;
const ICLOUD_ONLY = 8;

interface SourceInfo {
  deviceId: number | null;
  destinationId: string | null;
  udid: string;
  name: string;
}

interface Group {
  g: number;
  t: number;
  rows: RangeRow[];
}

/**
 * Timeline queries over every source: phones and destination indexes merged by content, present
 * assets only, bucketed by *local* capture day (utc + offset, the indexed `local_day` column).
 * An item is a group: `coalesce(content_id, -id)`, the expression the indexes are built on.
 *
 * Speed: a page reads the day range off one covering index (no table reads), groups it in JS,
 * then fetches the members and copies of only the page's content groups. Each page reads its
 * whole day range, so ask for month- or day-sized ranges (what the buckets give). bench/timeline.ts
 * measures a month of a 100k-asset catalog.
 */
export class TimelineRepository {
  private readonly stmts;

  constructor(db: Database.Database) {
    this.stmts = {
      // Distinct groups per day, off the covering (local_day, group, …) index in its order.
      days: db.prepare<[number, number], { key: number; count: number }>(`
        SELECT local_day AS key, count(DISTINCT coalesce(content_id, -id)) AS count FROM assets
        WHERE removed_ms IS NULL AND local_day BETWEEN ? AND ?
        GROUP BY local_day ORDER BY local_day DESC`),
      undated: db.prepare<[], { n: number }>(`
        SELECT count(DISTINCT coalesce(content_id, -id)) AS n FROM assets
        WHERE removed_ms IS NULL AND local_day IS NULL`),
      range: db
        .prepare<[number, number]>(
          `
          SELECT coalesce(content_id, -id), capture_utc_ms, id, source_id, kind, original_name, capture_offset_min,
            capture_source, local_day, favorite | (hidden << 1) | (recently_deleted << 2) | (icloud_only << 3)
          FROM assets INDEXED BY assets_timeline
          WHERE removed_ms IS NULL AND local_day BETWEEN ? AND ?`,
        )
        .raw(),
      members: db
        .prepare<[string]>(
          `
          SELECT j.value, a.id, a.source_id, (a.recently_deleted << 2) | (a.icloud_only << 3)
          FROM json_each(?) AS j
          JOIN assets a INDEXED BY assets_group ON coalesce(a.content_id, -a.id) = j.value AND a.removed_ms IS NULL`,
        )
        .raw(),
      // The content hash of each content group, with its copies on every destination.
      contents: db
        .prepare<[string]>(
          `
          SELECT ct.id, ct.sha256, c.destination_id, c.state FROM json_each(?) AS j
          JOIN contents ct ON ct.id = j.value
          LEFT JOIN copies c ON c.sha256 = ct.sha256`,
        )
        .raw(),
      sources: db.prepare<
        [],
        {
          id: number;
          device_id: number | null;
          destination_id: string | null;
          udid: string | null;
          name: string | null;
        }
      >(`
        SELECT s.id, s.device_id, s.destination_id, d.udid, d.name FROM sources s
        LEFT JOIN devices d ON d.id = s.device_id`),
    };
  }

  /**
   * Item counts per local day (yyyymmdd) or month (yyyymm), newest first, optionally within a
   * day range. An item whose copies carry different dates counts on each of its days.
   */
  buckets(granularity: 'day' | 'month', range: { fromDay?: number; toDay?: number } = {}): TimelineBucket[] {
    const days = this.stmts.days.all(range.fromDay ?? 0, range.toDay ?? 99_999_999);
    if (granularity === 'day') return days;
    const months: TimelineBucket[] = [];
    for (const day of days) {
      const key = Math.floor(day.key / 100);
      const last = months[months.length - 1];
      if (last?.key === key) last.count += day.count;
      else months.push({ key, count: day.count });
    }
    return months;
  }

  /** Items without any capture time (not on the timeline's dated buckets). */
  undatedCount(): number {
    return this.stmts.undated.get()!.n;
  }

  /** A page of items in a range of local days, newest first, with their badge inputs. */
  page(query: TimelinePageQuery): TimelinePage {
    const limit = Math.max(1, Math.min(query.limit ?? 500, 10_000));
    const pageGroups = this.pageGroups(query, limit);
    if (pageGroups.length === 0) return { items: [], next: null };

    const sources = new Map<number, SourceInfo>();
    for (const s of this.stmts.sources.all()) {
      sources.set(s.id, {
        deviceId: s.device_id,
        destinationId: s.destination_id,
        udid: s.udid ?? '',
        name: s.name ?? '',
      });
    }
    const isPhone = (sourceId: number) => sources.get(sourceId)!.deviceId !== null;

    // Content groups may have members dated outside the range (or not at all): fetch them all.
    const contentGroups = JSON.stringify(pageGroups.filter((g) => g.g > 0).map((g) => g.g));
    const membersOf = new Map<number, MemberRow[]>();
    for (const m of this.stmts.members.all(contentGroups) as MemberRow[]) {
      const list = membersOf.get(m[0]);
      if (list) list.push(m);
      else membersOf.set(m[0], [m]);
    }
    const shaOf = new Map<number, string>();
    const copiesOf = new Map<number, TimelineItem['copies']>();
    for (const [id, sha256, destinationId, state] of this.stmts.contents.all(contentGroups) as [
      number,
      string,
      string | null,
      CopyState | null,
    ][]) {
      shaOf.set(id, sha256);
      if (destinationId === null || state === null) continue;
      const list = copiesOf.get(id);
      if (list) list.push({ destinationId, state });
      else copiesOf.set(id, [{ destinationId, state }]);
    }

    const items: TimelineItem[] = [];
    for (const group of pageGroups) {
      // A phone's row, else the oldest, decides the item's name, kind and capture time.
      let first = group.rows[0]!;
      for (const r of group.rows) {
        const better = isPhone(r[3]) !== isPhone(first[3]) ? isPhone(r[3]) : r[2] < first[2];
        if (better) first = r;
      }
      const members: MemberRow[] = membersOf.get(group.g) ?? group.rows.map((r) => [r[0], r[2], r[3], r[9]]);
      if (members.length > 1) members.sort((a, b) => a[1] - b[1]);
      const sha256 = shaOf.get(group.g) ?? null;
      const item: TimelineItem = {
        key: sha256 ? `sha256:${sha256}` : `asset:${first[2]}`,
        sortMs: group.t,
        captureTime: captureTimeOfRow({
          capture_utc_ms: first[1],
          capture_offset_min: first[6],
          capture_source: first[7],
        }),
        localDay: first[8],
        kind: first[4] as AssetKind,
        originalName: first[5],
        contentSha256: sha256,
        favorite: (first[9] & FAVORITE) !== 0,
        hidden: (first[9] & HIDDEN) !== 0,
        phones: [],
        inIndexOf: [],
        copies: copiesOf.get(group.g) ?? [],
        iCloudOnly: false,
        onlyInAccount: true,
      };
      for (const [, id, sourceId, flags] of members) {
        const source = sources.get(sourceId)!;
        if (source.deviceId !== null) {
          item.phones.push({
            deviceId: source.deviceId,
            udid: source.udid,
            name: source.name,
            assetRowId: id,
            recentlyDeleted: (flags & RECENTLY_DELETED) !== 0,
            iCloudOnly: (flags & ICLOUD_ONLY) !== 0,
          });
        } else if (source.destinationId !== null && !item.inIndexOf.includes(source.destinationId)) {
          item.inIndexOf.push(source.destinationId);
        }
      }
      if (item.phones.length > 1) item.phones.sort((a, b) => a.deviceId - b.deviceId || a.assetRowId - b.assetRowId);
      if (item.copies.length > 1) item.copies.sort((a, b) => (a.destinationId < b.destinationId ? -1 : 1));
      item.onlyInAccount = item.phones.length === 0;
      item.iCloudOnly = item.phones.length > 0 && item.phones.every((p) => p.iCloudOnly);
      items.push(item);
    }

    const last = pageGroups[pageGroups.length - 1]!;
    return { items, next: pageGroups.length === limit ? { beforeMs: last.t, beforeGroup: last.g } : null };
  }

  /** The range's groups, newest first (ties: higher group first), after the cursor, one page. */
  private pageGroups(query: TimelinePageQuery, limit: number): Group[] {
    const byGroup = new Map<number, Group>();
    for (const row of this.stmts.range.all(query.fromDay, query.toDay) as RangeRow[]) {
      const group = byGroup.get(row[0]);
      if (!group) byGroup.set(row[0], { g: row[0], t: row[1], rows: [row] });
      else {
        group.rows.push(row);
        if (row[1] > group.t) group.t = row[1];
      }
    }
    const after = query.after;
    const groups = after
      ? [...byGroup.values()].filter((x) => x.t < after.beforeMs || (x.t === after.beforeMs && x.g < after.beforeGroup))
      : [...byGroup.values()];
    groups.sort((a, b) => b.t - a.t || b.g - a.g);
    return groups.slice(0, limit);
  }
}
