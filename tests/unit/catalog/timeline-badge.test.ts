import { describe, expect, it } from 'vitest';
import { InvalidTimelineCursorError } from '../../../src/main/catalog/errors';
import { timelineBadge } from '../../../src/main/catalog/timeline-badge';
import {
  type TimelineItem,
  decodeTimelineCursor,
  encodeTimelineCursor,
} from '../../../src/main/catalog/timeline-repository';

const phone = { deviceId: 1, udid: 'U', name: 'iPhone', assetRowId: 1, recentlyDeleted: false, iCloudOnly: false };
const item = (over: Partial<TimelineItem>): TimelineItem => ({
  key: 'sha256:ab',
  sortMs: 0,
  captureTime: null,
  localDay: 20240101,
  kind: 'photo',
  originalName: 'IMG_0001.HEIC',
  contentSha256: 'ab',
  favorite: false,
  hidden: false,
  phones: [phone],
  inIndexOf: [],
  copies: [],
  iCloudOnly: false,
  onlyInAccount: false,
  ...over,
});

describe('timelineBadge', () => {
  it('says backed up only with a verified copy or an index entry', () => {
    expect(timelineBadge(item({}))).toBe('not-backed-up');
    expect(timelineBadge(item({ copies: [{ destinationId: 'nas', state: 'copied' }] }))).toBe('syncing');
    expect(timelineBadge(item({ copies: [{ destinationId: 'nas', state: 'copying' }] }))).toBe('syncing');
    expect(timelineBadge(item({ copies: [{ destinationId: 'nas', state: 'failed' }] }))).toBe('not-backed-up');
    expect(timelineBadge(item({ copies: [{ destinationId: 'nas', state: 'missing' }] }))).toBe('not-backed-up');
    expect(timelineBadge(item({ copies: [{ destinationId: 'nas', state: 'verified' }] }))).toBe('backed-up');
    expect(timelineBadge(item({ inIndexOf: ['jotta'] }))).toBe('backed-up');
  });

  it('judges against one destination when asked', () => {
    const i = item({ copies: [{ destinationId: 'nas', state: 'verified' }] });
    expect(timelineBadge(i, 'nas')).toBe('backed-up');
    expect(timelineBadge(i, 's3')).toBe('not-backed-up');
  });

  it('marks account-only and iCloud-only items', () => {
    expect(timelineBadge(item({ phones: [], onlyInAccount: true, inIndexOf: ['jotta'] }))).toBe('only-in-account');
    expect(timelineBadge(item({ iCloudOnly: true }))).toBe('only-in-icloud');
    expect(timelineBadge(item({ iCloudOnly: true, copies: [{ destinationId: 'nas', state: 'verified' }] }))).toBe(
      'backed-up',
    );
  });
});

describe('timeline cursor strings', () => {
  it('round-trip, and garbage is a typed error', () => {
    const cursor = { beforeMs: 1_700_000_000_000, beforeGroup: -42 };
    expect(decodeTimelineCursor(encodeTimelineCursor(cursor))).toEqual(cursor);
    for (const bad of ['', 'abc', '1:2:3', '99999999999999999:1', '1; DROP TABLE assets']) {
      expect(() => decodeTimelineCursor(bad)).toThrow(InvalidTimelineCursorError);
    }
  });
});
