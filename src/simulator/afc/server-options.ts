/**
 * What an AFC server is told (root, faults) and what it shares between the connections of one
 * simulated phone (the path jail and the counters, keyed by the options object itself).
 */
import type { AfcHostileMode } from './hostile';
import { PathJail } from './path-jail';

export interface AfcServerFaults {
  /** FILE_OPEN answers NO_RESOURCES while this many files are open (over all connections). */
  maxOpenFiles?: number;
  /** AFC paths that are listed and stat-able but gone when opened (deleted meanwhile). */
  vanishOnOpen?: string[];
  /**
   * AFC path → bytes added (> 0, zero filler) or removed (< 0) from what FILE_READ returns
   * compared with the size GET_FILE_INFO reports: the file changed between listing and reading.
   */
  changeSize?: Record<string, number>;
  /** Answer every request with this kind of malformed frame. */
  hostile?: AfcHostileMode;
}

/** Counters the server keeps; pass an object to read them (tests, benchmarks). */
export interface AfcServerStats {
  connections: number;
  requests: number;
  /** The most requests received and not yet answered at any moment on one connection. */
  maxOutstanding: number;
  openFiles: number;
}

export interface AfcServerOptions {
  /** The folder served as the media root. */
  root: string;
  /** GET_DEVINFO Model. Default `iPhone15,2`. */
  model?: string;
  faults?: AfcServerFaults;
  /** Filled in as the server runs. Share one options object per phone to share the counters. */
  stats?: AfcServerStats;
  maxFrameBytes?: number;
}

/** State shared by every connection served with the same options object. */
const shared = new WeakMap<AfcServerOptions, { jail: PathJail; stats: AfcServerStats }>();

export function sharedState(options: AfcServerOptions): { jail: PathJail; stats: AfcServerStats } {
  let state = shared.get(options);
  if (!state) {
    const stats = options.stats ?? { connections: 0, requests: 0, maxOutstanding: 0, openFiles: 0 };
    options.stats = stats;
    state = { jail: new PathJail(options.root), stats };
    shared.set(options, state);
  }
  return state;
}
