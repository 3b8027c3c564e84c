import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { AutoBackup } from '../../../src/main/backup/auto-backup';
import type { DeviceSession } from '../../../src/main/device/device-session';

/** A stand-in for DeviceWatcher's sessions: only what AutoBackup reads. */
function fakeSession(udid: string, state = 'ready', connected = true): DeviceSession {
  return { udid, state, connected } as unknown as DeviceSession;
}

function setup(options: { autoBackup?: boolean; setUp?: string[]; destination?: boolean } = {}) {
  const watcher = new EventEmitter();
  const started: string[] = [];
  const finish: Array<() => void> = [];
  const errors: unknown[] = [];
  const auto = new AutoBackup({
    watcher: watcher as never,
    settings: async () => ({
      autoBackup: options.autoBackup ?? true,
      destination: options.destination === false ? null : { type: 'local', path: '/backups' },
    }),
    isSetUp: (udid) => (options.setUp ?? ['A']).includes(udid),
    startBackup: (session, destination) => {
      started.push(`${session.udid}->${destination.path}`);
      return new Promise<void>((resolve) => finish.push(resolve));
    },
    onError: (_udid, error) => errors.push(error),
  });
  auto.start();
  return { watcher, started, finish, errors, auto };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('AutoBackup', () => {
  it('starts a backup when a set-up phone attaches ready, once per attachment', async () => {
    const { watcher, started, finish, auto } = setup();
    watcher.emit('attached', fakeSession('A', 'locked'));
    await settle();
    expect(started).toEqual([]); // locked: not yet
    watcher.emit('changed', fakeSession('A'));
    await settle();
    expect(started).toEqual(['A->/backups']);
    expect(auto.isRunning('A')).toBe(true);
    // State changes while it runs (or after) do not start another one.
    watcher.emit('changed', fakeSession('A'));
    finish[0]!();
    await settle();
    expect(auto.isRunning('A')).toBe(false);
    watcher.emit('changed', fakeSession('A'));
    await settle();
    expect(started).toHaveLength(1);
    // Unplugged and plugged in again: a new attachment, a new backup.
    watcher.emit('detached', fakeSession('A', 'disconnected', false));
    watcher.emit('attached', fakeSession('A'));
    await settle();
    expect(started).toEqual(['A->/backups', 'A->/backups']);
  });

  it('does nothing when the setting is off, no destination is chosen, or the phone is not set up', async () => {
    for (const options of [{ autoBackup: false }, { destination: false }, { setUp: [] as string[] }]) {
      const { watcher, started } = setup(options);
      watcher.emit('attached', fakeSession('A'));
      await settle();
      expect(started).toEqual([]);
    }
  });

  it('stops reacting after stop(), and reports a backup that fails', async () => {
    const watcher = new EventEmitter();
    const errors: unknown[] = [];
    const auto = new AutoBackup({
      watcher: watcher as never,
      settings: async () => ({ autoBackup: true, destination: { type: 'local', path: '/b' } }),
      isSetUp: () => true,
      startBackup: async () => {
        throw new Error('destination unavailable');
      },
      onError: (_udid, error) => errors.push(error),
    });
    auto.start();
    watcher.emit('attached', fakeSession('B'));
    await settle();
    expect((errors[0] as Error).message).toBe('destination unavailable');
    auto.stop();
    watcher.emit('detached', fakeSession('B', 'disconnected', false));
    watcher.emit('attached', fakeSession('B'));
    await settle();
    expect(errors).toHaveLength(1);
  });
});
