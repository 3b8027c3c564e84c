/**
 * What a backup run tells its listeners (the CLI, the app's engine, AutoBackup): its state, each
 * file's and each asset's progress through the pipeline, the running progress, and the summary
 * it ends with. BackupRun emits them; backup-run.ts re-exports them for its callers.
 */
import type { ResourceRole } from '../../shared/asset';
import type { SerializedError } from '../../shared/errors';
import type { BackupProgress } from './progress';

export type BackupRunState = 'planning' | 'running' | 'paused' | 'waiting-for-device' | RunEnd;
export type RunEnd = 'completed' | 'failed' | 'cancelled';

/** A file's state change, as the UI shows it per asset. */
export interface FileEvent {
  runId: number;
  path: string;
  assetKey: string;
  role: ResourceRole;
  size: number;
  state: 'copying' | 'copied' | 'deduplicated' | 'failed' | 'retrying';
  sha256?: string;
  location?: string;
  error?: SerializedError;
}

export interface BackupSummary {
  runId: number;
  state: RunEnd;
  copied: number;
  deduplicated: number;
  failed: number;
  /** Bytes read from the phone and written (new copies only). */
  bytes: number;
  seconds: number;
  /** Why the run stopped, when it failed or was cancelled. */
  error?: SerializedError;
}

/** All of an asset's planned files are done: the UI's badge for it can change. */
export interface AssetEvent {
  runId: number;
  assetRowId: number;
  assetKey: string;
  /** `verified`: every file of it planned in this run is verified on the destination. */
  state: 'verified' | 'failed';
}

export interface BackupRunEvents {
  state: [BackupRunState];
  progress: [BackupProgress];
  file: [FileEvent];
  asset: [AssetEvent];
}
