/**
 * One writer per backup folder: `.rollkeeper/lock` holds the owner's host and pid. Two writers
 * (the app and the CLI, or two computers on one NAS share) would race on names and interleave
 * journal lines. A lock left by a crashed process on this same host is taken over; one from
 * another host cannot be checked from here, so the user is told who holds it.
 */
import os from 'node:os';
import { DestinationInUseError } from '../errors';
import { writeFully } from './index-journal';
import type { LocalFs } from './local-fs';

interface LockOwner {
  host: string;
  pid: number;
  startedAtMs: number;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Take the lock at `file` for this process; throws DestinationInUseError if someone holds it. */
export async function acquireFolderLock(fs: LocalFs, file: string, root: string): Promise<() => Promise<void>> {
  const me: LockOwner = { host: os.hostname(), pid: process.pid, startedAtMs: Date.now() };
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const handle = await fs.openForWrite(file, 'exclusive');
      try {
        await writeFully(handle, Buffer.from(JSON.stringify(me) + '\n'));
        await handle.sync();
      } finally {
        await handle.close();
      }
      return async () => {
        await fs.unlink(file).catch(() => undefined);
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = await readOwner(fs, file);
      const stale = owner !== null && owner.host === me.host && owner.pid !== me.pid && !isAlive(owner.pid);
      const unreadable = owner === null;
      if (attempt === 0 && (stale || unreadable)) {
        // A crash left it (or a crash mid-write left it empty): ours now.
        await fs.unlink(file).catch(() => undefined);
        continue;
      }
      const holder = owner ? `process ${owner.pid} on ${owner.host}` : 'unknown process';
      throw new DestinationInUseError(root, holder);
    }
  }
  throw new DestinationInUseError(root, 'unknown process');
}

async function readOwner(fs: LocalFs, file: string): Promise<LockOwner | null> {
  try {
    const parsed = JSON.parse(await fs.readFile(file, 'utf8')) as Partial<LockOwner>;
    if (typeof parsed.host === 'string' && typeof parsed.pid === 'number') {
      return { host: parsed.host, pid: parsed.pid, startedAtMs: parsed.startedAtMs ?? 0 };
    }
    return null;
  } catch {
    return null;
  }
}
