import type { CopyState } from '../../shared/asset';

/**
 * The life of one file's copy on one destination:
 *
 *   unknown  → copying                      (a worker starts writing)
 *   copying  → copied | failed              (all bytes written / the write failed)
 *   copied   → verified | failed | missing  (read back and hashed equal / different / gone)
 *   verified → verified | failed | missing  (a later re-check: still equal / different / gone)
 *   failed   → copying,  missing → copying  (retry)
 *
 * "verified" is reached only from "copied" or a re-check: never straight from "unknown", so a
 * badge can't say "backed up" for a file nobody read back.
 */
export type { CopyState };

export const COPY_STATES: readonly CopyState[] = ['unknown', 'copying', 'copied', 'verified', 'failed', 'missing'];

const NEXT: Record<CopyState, readonly CopyState[]> = {
  unknown: ['copying'],
  copying: ['copied', 'failed'],
  copied: ['verified', 'failed', 'missing'],
  verified: ['verified', 'failed', 'missing'],
  failed: ['copying'],
  missing: ['copying'],
};

/** Whether a copy may move from `from` to `to`. */
export function canTransition(from: CopyState, to: CopyState): boolean {
  return NEXT[from].includes(to);
}

/** The states a copy may come from to reach `to`. */
export function statesLeadingTo(to: CopyState): CopyState[] {
  return COPY_STATES.filter((from) => canTransition(from, to));
}
