/**
 * Reading a phone's files for a backup: a pool of AFC connections, and what to do when the
 * phone goes away. The pipeline only sees this small interface, so the CLI (a DeviceWatcher),
 * the engine (its sessions) and tests (a simulator) can all feed it.
 */
import type { AfcClient } from '../device/afc/afc-client';
import { AfcPool } from '../device/afc/afc-pool';
import type { DeviceSession } from '../device/device-session';
import type { DeviceWatcher } from '../device/device-watcher';
import { DeviceDisconnectedError } from '../device/errors';

/** A way to reach one phone: open AFC connections, and wait for it to come back after a drop. */
export interface PhoneLink {
  readonly udid: string;
  /** A new AFC connection (StartService + connect). */
  openAfc(): Promise<AfcClient>;
  /**
   * Resolves when the phone can be reached again (re-plugged, unlocked, trusted); rejects with
   * `signal.reason` when the signal aborts first.
   */
  waitUntilReachable(signal: AbortSignal): Promise<void>;
}

export interface PhoneFilesOptions {
  /** AFC connections used at once. Default 4. */
  connections?: number;
  /** Files read at once on one connection (its requests are pipelined). Default 1. */
  filesPerConnection?: number;
  /** FILE_READs kept in flight per file. Default 3 (see AfcChunkReader). */
  readAhead?: number;
}

/** The phone's files as the pipeline reads them. */
export class PhoneFiles {
  private pool: AfcPool;
  private readonly readAhead: number;

  constructor(
    readonly link: PhoneLink,
    private readonly options: PhoneFilesOptions = {},
  ) {
    this.readAhead = options.readAhead ?? 3;
    this.pool = this.newPool();
  }

  get udid(): string {
    return this.link.udid;
  }

  /**
   * Streams the file at `path` (relative to the media root) to `consume`, on one connection of
   * the pool. Up to `expectedSize + 1` bytes are asked for, so a file that grew since it was
   * listed delivers one byte too many and the destination refuses it, instead of the first
   * `expectedSize` bytes being stored as if they were the whole file.
   *
   * The body is a recycling reader (AfcClient.readChunks): **each chunk is valid only until
   * `consume` asks for the next one** (or the iteration ends): its buffer then takes a later
   * reply. `consume` must be done with a chunk (hashed, written and the write awaited) before
   * it asks for the next, and copy whatever it keeps longer (file-copier.ts `remember` does).
   * The body's failures (typed as the AFC client's) surface when `consume` iterates.
   */
  async read<T>(
    path: string,
    expectedSize: number,
    signal: AbortSignal,
    consume: (body: AsyncIterable<Uint8Array> & { destroy(error?: Error): void }) => Promise<T>,
  ): Promise<T> {
    return this.pool.use(async (client) => {
      const body = client.readChunks(afcPath(path), { end: expectedSize, readAhead: this.readAhead, signal });
      try {
        return await consume(body);
      } finally {
        body.destroy();
      }
    });
  }

  /** Waits for the phone (see PhoneLink), with a fresh pool afterwards: old connections are dead. */
  async waitUntilReachable(signal: AbortSignal): Promise<void> {
    await this.link.waitUntilReachable(signal);
    const old = this.pool;
    this.pool = this.newPool();
    await old.close();
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  private newPool(): AfcPool {
    return new AfcPool(() => this.link.openAfc(), {
      size: this.options.connections ?? 4,
      callersPerConnection: this.options.filesPerConnection ?? 1,
    });
  }
}

/** AFC paths are absolute under the media root. */
export function afcPath(path: string): string {
  return path.startsWith('/') ? path : `/${path}`;
}

/**
 * A PhoneLink over a DeviceWatcher's session for `udid`: when the cable is pulled the watcher
 * reports the detach, and the same session becomes ready again on re-plug.
 */
export function watcherPhoneLink(watcher: DeviceWatcher, udid: string): PhoneLink {
  const session = (): DeviceSession => {
    const found = watcher.session(udid);
    if (!found || !found.connected) throw new DeviceDisconnectedError();
    return found;
  };
  return {
    udid,
    openAfc: () => Promise.resolve().then(() => session().openAfc()),
    async waitUntilReachable(signal) {
      // A connection can drop while the phone stays attached (a glitch, a phone-side reset):
      // then it is reachable at once, but give it a moment rather than hammering it.
      await delay(100, signal);
      await waitForSession(watcher, (s) => s.udid === udid && s.connected && s.state === 'ready', signal);
    },
  };
}

/** Resolves once a session passes `test`, now or after a watcher event. */
function waitForSession(
  watcher: DeviceWatcher,
  test: (session: DeviceSession) => boolean,
  signal: AbortSignal,
): Promise<void> {
  signal.throwIfAborted();
  if (watcher.sessions().some(test)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const check = (session: DeviceSession): void => {
      if (!test(session)) return;
      cleanup();
      resolve();
    };
    const onAbort = (): void => {
      cleanup();
      reject(signal.reason);
    };
    const cleanup = (): void => {
      watcher.off('changed', check);
      watcher.off('attached', check);
      signal.removeEventListener('abort', onAbort);
    };
    watcher.on('changed', check);
    watcher.on('attached', check);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** setTimeout as a promise that rejects with `signal.reason` on abort. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
