/**
 * The backup folder's lock as a lease: refreshed while open, taken over when its holder is gone
 * (a dead pid here, or silence longer than the lease from any host), refused while fresh.
 */
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DestinationInUseError } from '../../../../src/main/destinations/errors';
import { acquireFolderLock, type FolderLock } from '../../../../src/main/destinations/local/folder-lock';
import { LocalDestination } from '../../../../src/main/destinations/local/local-destination';
import { nodeFs } from '../../../../src/main/destinations/local/local-fs';
import { bodyOf, content, itemFor, makeTempFolder } from './helpers';

let root: string;
const opened: LocalDestination[] = [];
const lockPath = () => path.join(root, '.rollkeeper', 'lock');

async function open(options: Parameters<typeof LocalDestination.open>[1] = {}): Promise<LocalDestination> {
  const destination = await LocalDestination.open(root, options);
  opened.push(destination);
  return destination;
}
/** A lock as another Rollkeeper writes it, last refreshed `idleMs` ago. */
async function writeForeignLock(owner: { host: string; pid: number }, idleMs: number): Promise<string> {
  const text = JSON.stringify({ ...owner, token: 'theirs', startedAtMs: 0, heartbeatAtMs: 0 }) + '\n';
  await fsp.writeFile(lockPath(), text);
  const when = new Date(Date.now() - idleMs);
  await fsp.utimes(lockPath(), when, when);
  return text;
}
async function lockOwner(): Promise<{ host: string; pid: number }> {
  return JSON.parse(await fsp.readFile(lockPath(), 'utf8'));
}
async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 5));
}
const me = { host: os.hostname(), pid: process.pid };

beforeEach(async () => {
  root = await makeTempFolder();
  // A first open makes the folder a backup folder; then it is left unlocked.
  await (await LocalDestination.open(root)).close();
});
afterEach(async () => {
  for (const destination of opened.splice(0)) await destination.close();
  await fsp.rm(root, { recursive: true, force: true });
});

describe('a lock held from another computer', () => {
  it('refuses while fresh, saying who holds it, when it was last alive and what to do', async () => {
    const text = await writeForeignLock({ host: 'laptop', pid: 123 }, 20_000);
    const error = await LocalDestination.open(root).catch((e) => e);
    expect(error).toBeInstanceOf(DestinationInUseError);
    expect(error.message).toContain('in use by another Rollkeeper (process 123 on laptop, active 20 s ago)');
    expect(error.hint).toContain('Close Rollkeeper on laptop');
    expect(error.hint).toContain('idle for 5 min (in about 4 min 40 s)');
    // Untouched: the other computer still holds it.
    expect(await fsp.readFile(lockPath(), 'utf8')).toBe(text);
  });

  it('is taken over once silent for longer than the lease, with a notice', async () => {
    await writeForeignLock({ host: 'laptop', pid: 123 }, 10 * 60_000);
    const notices: string[] = [];
    const destination = await open({ onNotice: (message) => notices.push(message) });
    expect(await lockOwner()).toMatchObject(me);
    expect(notices).toEqual([expect.stringMatching(/from process 123 on laptop: .* refreshed for 10 min/)]);
    const data = content(100);
    expect((await destination.put(itemFor(data), bodyOf(data))).deduplicated).toBe(false);
  });

  it('follows the lease given: 2 s of silence is fresh under the default, stale under a 1 s lease', async () => {
    await writeForeignLock({ host: 'laptop', pid: 123 }, 2_000);
    await expect(LocalDestination.open(root)).rejects.toBeInstanceOf(DestinationInUseError);
    await open({ lock: { leaseMs: 1_000 } });
    expect(await lockOwner()).toMatchObject(me);
  });

  it('lets exactly one of several processes that find it stale at once take it', async () => {
    for (let round = 0; round < 10; round += 1) {
      await writeForeignLock({ host: 'laptop', pid: 123 }, 10 * 60_000);
      const file = lockPath();
      const results = await Promise.allSettled(
        Array.from({ length: 3 }, () => acquireFolderLock(nodeFs, file, root, { leaseMs: 60_000 })),
      );
      const held = results.filter((r): r is PromiseFulfilledResult<FolderLock> => r.status === 'fulfilled');
      expect(held).toHaveLength(1);
      for (const result of results) {
        if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(DestinationInUseError);
      }
      held[0]!.value.assertHeld();
      await held[0]!.value.release();
      expect(await fsp.readdir(path.join(root, '.rollkeeper'))).not.toContain('lock');
    }
  });
});

describe('the heartbeat', () => {
  it('keeps the lock fresh while the destination is open', async () => {
    await open({ lock: { leaseMs: 60_000, heartbeatMs: 10 } });
    // Age the lock as if this process had gone silent ten minutes ago: the heartbeat renews it.
    const old = new Date(Date.now() - 10 * 60_000);
    await fsp.utimes(lockPath(), old, old);
    await until(async () => (await fsp.stat(lockPath())).mtimeMs > old.getTime() + 60_000);
    const error = await LocalDestination.open(root, { lock: { leaseMs: 60_000 } }).catch((e) => e);
    expect(error).toBeInstanceOf(DestinationInUseError);
    expect(error.message).toContain(`process ${process.pid} on ${os.hostname()}, active 0 s ago`);
  });

  it('stops on close, and close removes the lock', async () => {
    const destination = await open({ lock: { heartbeatMs: 5 } });
    await new Promise((resolve) => setTimeout(resolve, 30)); // a few heartbeats
    await destination.close();
    expect(await fsp.readdir(path.join(root, '.rollkeeper'))).not.toContain('lock');
    await new Promise((resolve) => setTimeout(resolve, 30)); // no heartbeat brings it back
    const left = await fsp.readdir(path.join(root, '.rollkeeper'));
    expect(left.filter((name) => name.startsWith('lock'))).toEqual([]);
  });

  it('notices when another computer took the folder over, stops writing and leaves its lock alone', async () => {
    const notices: string[] = [];
    const destination = await open({ lock: { heartbeatMs: 5 }, onNotice: (message) => notices.push(message) });
    // What a taker leaves after this computer slept past the lease. (A heartbeat already past
    // its token check may still replace it once: the taker is then simply repeated.)
    let theirs = '';
    await until(async () => {
      if (notices.length > 0) return true;
      if ((await fsp.readFile(lockPath(), 'utf8')) !== theirs) {
        theirs = await writeForeignLock({ host: 'desktop', pid: 77 }, 0);
      }
      return false;
    });
    expect(notices[0]).toContain('Process 77 on desktop took the backup folder over');
    const data = content(100);
    const error = await destination.put(itemFor(data), bodyOf(data)).catch((e) => e);
    expect(error).toBeInstanceOf(DestinationInUseError);
    expect(error.message).toContain('process 77 on desktop');
    await destination.close();
    expect(await fsp.readFile(lockPath(), 'utf8')).toBe(theirs);
  });
});

describe('a lock left on this computer', () => {
  it('is refused while its process runs', async () => {
    await open();
    const error = await LocalDestination.open(root).catch((e) => e);
    expect(error).toBeInstanceOf(DestinationInUseError);
    expect(error.message).toContain(`process ${process.pid}`);
  });

  it('is taken over at once when its process is dead, however fresh', async () => {
    // A pid above Linux's pid_max (2^22) cannot be alive.
    await writeForeignLock({ host: os.hostname(), pid: 2 ** 22 + 12345 }, 0);
    const notices: string[] = [];
    await open({ onNotice: (message) => notices.push(message) });
    expect(await lockOwner()).toMatchObject(me);
    expect(notices).toEqual([expect.stringContaining('which is no longer running')]);
  });

  it('is taken over when empty or unreadable (a crash while writing it)', async () => {
    for (const text of ['', '{"host":"lap']) {
      await fsp.writeFile(lockPath(), text);
      const destination = await open();
      expect(await lockOwner()).toMatchObject(me);
      await destination.close();
      opened.pop();
    }
  });
});
