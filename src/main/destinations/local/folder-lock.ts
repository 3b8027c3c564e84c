/**
 * One writer per backup folder: `.rollkeeper/lock` is a *lease*. Two writers (the app and the
 * CLI, or two computers on one NAS share) would race on names and interleave journal lines.
 *
 * The holder refreshes the lock (rewrites it: a heartbeat) every `heartbeatMs` while the
 * destination is open. A lock is taken over when its holder is gone:
 * - on this same host, a pid that no longer runs (a crash; no need to wait out the lease);
 * - on any host, a lock not refreshed for `leaseMs` (a laptop that crashed, slept or lost the
 *   share mid-backup: its pid cannot be checked from here, but its silence can);
 * - an unreadable or empty lock (a crash mid-write of the lock itself).
 * A fresh lock from anyone else refuses with DestinationInUseError, saying who and when.
 *
 * Clock skew: the two computers' clocks may disagree by minutes, so the lock's age is never
 * "my clock minus a time the holder wrote". The heartbeat *writes* the lock (temp file +
 * rename), so on NFS and SMB its mtime is set by the file server's clock; to judge it we write
 * a probe file beside it now and compare the two mtimes, both stamped by that same server
 * clock (on a local disk, by this computer's clock for both). An NFS client may show attributes
 * cached for up to a minute (acregmax), and FAT/exFAT drives keep mtimes to 2 s: the default
 * lease (5 min) is ten heartbeats (30 s), so a live holder never looks older than about 2 min.
 *
 * Races: a takeover moves the judged lock aside by rename (atomic), then checks that what it
 * moved is byte-for-byte the lock it judged stale; if not (the holder refreshed it, or another
 * taker had already replaced it), it puts it back and looks again. After creating its own lock
 * (exclusive create) a taker re-reads it and holds the folder only if its own token is there.
 * So two takers at once cannot both end up holding it. The one remaining window (a lock
 * created in the instant between a wrong move-aside and its undo) is caught by the heartbeat,
 * which checks the token each time: a holder that finds another token stops writing
 * (`assertHeld` throws) and never deletes that lock. (The heartbeat's own check-then-replace
 * has a window of one rename too; a taker only acts on a holder silent for a whole lease, so
 * it matters only if that holder wakes at that very instant, and the taker's heartbeat then
 * finds the holder's token and stops the taker instead.)
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { DestinationInUseError, formatDuration, type LockHolder } from '../errors';
import { errnoOf } from './fs-errors';
import { writeFully } from './index-journal';
import type { LocalFs } from './local-fs';

/** After this long without a heartbeat, a lock from another host is abandoned. */
export const DEFAULT_LEASE_MS = 5 * 60_000;

export interface FolderLockOptions {
  /** Idle time after which a lock counts as abandoned (default 5 min). */
  leaseMs?: number;
  /** How often the holder refreshes its lock (default a tenth of the lease). */
  heartbeatMs?: number;
  /** Told when a lock is taken over or lost, in words for a person. */
  onNotice?: (message: string) => void;
}

/** A held lock: refreshed in the background until released. */
export interface FolderLock {
  /** Throws DestinationInUseError if another process has taken the lock over since. */
  assertHeld(): void;
  /** Stop the heartbeat and delete the lock file (only if it is still ours). */
  release(): Promise<void>;
}

interface LockOwner {
  host: string;
  pid: number;
  /** Unique per acquisition: tells our lock from another's even with the same host and pid. */
  token: string;
  startedAtMs: number;
  /** The holder's own clock at the last heartbeat: for people reading the file, never compared. */
  heartbeatAtMs: number;
}

interface LockContent {
  text: string;
  owner: LockOwner | null;
}

/** Attempts before giving up: each lost race against another taker costs one. */
const MAX_ATTEMPTS = 4;

/** Take the lock at `file` for this process; throws DestinationInUseError if someone holds it. */
export async function acquireFolderLock(
  fs: LocalFs,
  file: string,
  root: string,
  options: FolderLockOptions = {},
): Promise<FolderLock> {
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const heartbeatMs = options.heartbeatMs ?? Math.max(1, Math.floor(leaseMs / 10));
  const now = Date.now();
  const me: LockOwner = {
    host: os.hostname(),
    pid: process.pid,
    token: randomUUID(),
    startedAtMs: now,
    heartbeatAtMs: now,
  };
  let lastHolder: LockHolder | null = null;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    const created = await createExclusive(fs, file, me);
    // Read back even after creating it: a taker that judged an older lock stale may have moved
    // ours aside meanwhile (and may be putting it back: then it is ours again).
    const current = await readLock(fs, file);
    if (current?.owner?.token === me.token) {
      return new HeldLock(fs, file, root, me, leaseMs, heartbeatMs, options.onNotice);
    }
    if (!current || created) continue; // released or moved aside in the meantime: look again
    const verdict = await judge(fs, file, current, me, leaseMs);
    if (verdict.stale === null) continue;
    lastHolder = verdict.holder;
    if (!verdict.stale) throw new DestinationInUseError(root, verdict.holder);
    if (await moveAsideIfUnchanged(fs, file, current.text, me.token)) options.onNotice?.(verdict.stale);
  }
  throw new DestinationInUseError(root, lastHolder);
}

/**
 * Whether the lock in `current` may be taken over: `stale` is the notice to give when it is,
 * false when it is live, null when the file vanished while looking (look again).
 */
async function judge(
  fs: LocalFs,
  file: string,
  current: LockContent,
  me: LockOwner,
  leaseMs: number,
): Promise<{ stale: string | false | null; holder: LockHolder | null }> {
  const { owner } = current;
  if (!owner)
    return { stale: 'Replaced an unreadable lock file in the backup folder (left by a crash).', holder: null };
  const who = `process ${owner.pid} on ${owner.host}`;
  if (owner.host === me.host && owner.pid !== me.pid && !isAlive(owner.pid)) {
    const holder: LockHolder = { host: owner.host, pid: owner.pid, lastSeenAgoMs: null, leaseMs };
    return { stale: `Took over the backup folder from ${who}, which is no longer running.`, holder };
  }
  const idle = await idleMs(fs, file);
  if (idle === null) return { stale: null, holder: null };
  const holder: LockHolder = { host: owner.host, pid: owner.pid, lastSeenAgoMs: idle, leaseMs };
  if (idle <= leaseMs) return { stale: false, holder };
  return {
    stale:
      `Took over the backup folder from ${who}: its lock had not been refreshed for ` +
      `${formatDuration(idle)} (it crashed, slept or lost its connection).`,
    holder,
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return errnoOf(error) === 'EPERM';
  }
}

/**
 * How long ago the lock was last written, by the file system's own clock (see the top of this
 * file): the mtime of a probe written now minus the lock's mtime. Null if the lock vanished.
 */
async function idleMs(fs: LocalFs, file: string): Promise<number | null> {
  let lockMtimeMs: number;
  try {
    lockMtimeMs = (await fs.stat(file)).mtimeMs;
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return null;
    throw error;
  }
  const probe = `${file}.probe-${randomUUID()}`;
  const handle = await fs.openForWrite(probe, 'exclusive');
  try {
    try {
      await writeFully(handle, Buffer.from('probe\n'));
    } finally {
      await handle.close();
    }
    return Math.max(0, (await fs.stat(probe)).mtimeMs - lockMtimeMs);
  } finally {
    await fs.unlink(probe).catch(() => undefined);
  }
}

/** Create `file` holding `owner`, or return false if it exists. */
async function createExclusive(fs: LocalFs, file: string, owner: LockOwner): Promise<boolean> {
  let handle;
  try {
    handle = await fs.openForWrite(file, 'exclusive');
  } catch (error) {
    if (errnoOf(error) === 'EEXIST') return false;
    throw error;
  }
  try {
    await writeFully(handle, Buffer.from(JSON.stringify(owner) + '\n'));
    await handle.sync();
  } finally {
    await handle.close();
  }
  return true;
}

/**
 * Move the lock aside if it is still exactly `judgedText`, and delete it: true when taken.
 * If what moved is not what was judged, it goes back (see "Races" at the top of this file).
 */
async function moveAsideIfUnchanged(fs: LocalFs, file: string, judgedText: string, token: string): Promise<boolean> {
  const aside = `${file}.stale-${token}`;
  try {
    await fs.rename(file, aside);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return false;
    throw error;
  }
  const moved = await fs.readFile(aside, 'utf8').catch(() => null);
  if (moved === judgedText) {
    await fs.unlink(aside).catch(() => undefined);
    return true;
  }
  await fs.rename(aside, file);
  return false;
}

/** The lock's text and owner; null if there is no lock file. */
async function readLock(fs: LocalFs, file: string): Promise<LockContent | null> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return null;
    return { text: '', owner: null };
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockOwner>;
    if (typeof parsed.host === 'string' && typeof parsed.pid === 'number') {
      return {
        text,
        owner: {
          host: parsed.host,
          pid: parsed.pid,
          // Locks written before leases had no token: never ours.
          token: typeof parsed.token === 'string' ? parsed.token : '',
          startedAtMs: parsed.startedAtMs ?? 0,
          heartbeatAtMs: parsed.heartbeatAtMs ?? 0,
        },
      };
    }
  } catch {
    // Falls through: unreadable.
  }
  return { text, owner: null };
}

class HeldLock implements FolderLock {
  private readonly timer: NodeJS.Timeout;
  private beating: Promise<void> | null = null;
  /** Set when another process took the lock over; then nothing more is written. */
  private lostTo: LockHolder | null | undefined = undefined;
  private released = false;

  constructor(
    private readonly fs: LocalFs,
    private readonly file: string,
    private readonly root: string,
    private readonly me: LockOwner,
    private readonly leaseMs: number,
    heartbeatMs: number,
    private readonly onNotice: ((message: string) => void) | undefined,
  ) {
    this.timer = setInterval(() => void this.beat(), heartbeatMs);
    // The heartbeat alone must never keep a CLI process alive.
    this.timer.unref();
  }

  assertHeld(): void {
    if (this.lostTo !== undefined) throw new DestinationInUseError(this.root, this.lostTo);
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    clearInterval(this.timer);
    // A heartbeat in flight would rename its temp file over the lock after we delete it.
    await this.beating;
    if (this.lostTo !== undefined) return;
    if ((await readLock(this.fs, this.file))?.owner?.token === this.me.token) {
      await this.fs.unlink(this.file).catch(() => undefined);
    }
  }

  private beat(): Promise<void> {
    if (this.beating || this.released || this.lostTo !== undefined) return Promise.resolve();
    this.beating = this.refresh()
      .catch(() => {
        // A NAS blip: the next heartbeat tries again; the lease outlasts several missed ones.
      })
      .finally(() => {
        this.beating = null;
      });
    return this.beating;
  }

  private async refresh(): Promise<void> {
    const current = await readLock(this.fs, this.file);
    // Gone or unreadable for a moment (a taker's move-aside being undone): try next time.
    if (!current?.owner) return;
    if (current.owner.token !== this.me.token) {
      const { host, pid } = current.owner;
      this.lostTo = { host, pid, lastSeenAgoMs: null, leaseMs: this.leaseMs };
      clearInterval(this.timer);
      this.onNotice?.(
        `Process ${pid} on ${host} took the backup folder over while this one was not refreshing its lock; ` +
          'writing to it has stopped.',
      );
      return;
    }
    // Rewrite, not utimes: utimes would stamp our own clock; a write gets the server's (see top).
    const temp = `${this.file}.beat-${this.me.token}`;
    await this.fs.unlink(temp).catch(() => undefined);
    const handle = await this.fs.openForWrite(temp, 'exclusive');
    try {
      await writeFully(handle, Buffer.from(JSON.stringify({ ...this.me, heartbeatAtMs: Date.now() }) + '\n'));
    } finally {
      await handle.close();
    }
    await this.fs.rename(temp, this.file);
  }
}
