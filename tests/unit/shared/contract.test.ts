import { describe, expect, it } from 'vitest';
import { EVENT_NAMES, events, METHOD_NAMES, methods } from '../../../src/shared/contract';

describe('engine contract', () => {
  it('describes every call and event named in contract-names, and nothing else', () => {
    expect(Object.keys(methods).sort()).toEqual([...METHOD_NAMES].sort());
    expect(Object.keys(events).sort()).toEqual([...EVENT_NAMES].sort());
  });

  it('covers what the UI needs: devices, timeline, backup control, settings, free-up-space, delete', () => {
    for (const name of [
      'devices.list',
      'timeline.buckets',
      'timeline.page',
      'backup.start',
      'backup.pause',
      'backup.cancel',
      'settings.get',
      'settings.update',
      'freeUp.plan',
      'freeUp.run',
      'assets.delete',
    ]) {
      expect(METHOD_NAMES).toContain(name);
    }
    for (const name of [
      'device.attached',
      'device.detached',
      'device.state',
      'backup.progress',
      'asset.stateChanged',
    ]) {
      expect(EVENT_NAMES).toContain(name);
    }
  });

  it('refuses a destructive call without explicit confirmation', () => {
    expect(methods['assets.delete'].args.safeParse({ assetIds: ['a'], everywhere: true }).success).toBe(false);
    expect(methods['assets.delete'].args.safeParse({ assetIds: ['a'], everywhere: true, confirm: true }).success).toBe(
      true,
    );
    expect(methods['freeUp.run'].args.safeParse({ planId: 'p', confirm: false }).success).toBe(false);
  });

  it('rejects unknown keys and malformed values at the boundary', () => {
    expect(methods['timeline.page'].args.safeParse({ limit: 50, sql: 'drop table' }).success).toBe(false);
    expect(methods['timeline.page'].args.safeParse({ limit: 0 }).success).toBe(false);
    expect(methods['timeline.page'].args.safeParse({ limit: 10, from: '2024-6-1' }).success).toBe(false);
    expect(methods['backup.start'].args.safeParse({ udid: '../../etc/passwd' }).success).toBe(false);
  });
});
