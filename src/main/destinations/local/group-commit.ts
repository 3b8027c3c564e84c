/**
 * Group commit for the local destination: writes whose temp files are complete and fsynced wait
 * here and are committed together, with one journal fsync for all their intents, their renames,
 * one fsync per folder they land in, and one append of their commit records.
 *
 * Why: the intent fsync and the folder fsync each cost a journal commit of the file system
 * (ext4's jbd2), and committing one file at a time serialized those for every file in flight.
 * With four files in flight the per-file commit grew from 2 ms to 20 ms and small files topped out
 * near 100 a second (docs/BENCHMARKS.md, "Backup"). A batch pays those two fsyncs once.
 *
 * Crash safety is the same as one file at a time:
 * - every file's data was fsynced (temp-file-writer.ts) before it is handed here;
 * - every intent in the batch is durable before the first rename;
 * - a kill between the intents and the commit records leaves intents without commits, which the
 *   next open settles one by one (recovery.ts): committed when the file reached its final path
 *   whole, abandoned otherwise. A torn batch of intent lines loses at most its last, unfinished
 *   line, whose rename had not started.
 */
import path from 'node:path';
import type { ContentHashes, PutItem, PutResult } from '../destination';
import type { DiskNames } from './disk-names';
import type { IndexJournal, JournalRecord, LocalIndexEntry } from './index-journal';
import type { LocalFs } from './local-fs';
import type { LocalIndex } from './local-index';
import type { NamePlanner, PlannedLocation } from './name-planner';
import type { SerialQueue } from './serial-queue';

/** A written, fsynced temp file ready to be put in place. */
export interface CommitRequest {
  item: PutItem;
  tempPath: string;
  hashes: ContentHashes;
}

export interface GroupCommitDeps {
  fs: LocalFs;
  /** The destination's write lock: a batch runs as one task in it. */
  queue: SerialQueue;
  journal: IndexJournal;
  index: LocalIndex;
  planner: NamePlanner;
  diskNames: DiskNames;
  /** Answer for content already stored (records the reference). */
  deduplicated(existing: LocalIndexEntry, item: PutItem): Promise<PutResult>;
}

interface Waiting extends CommitRequest {
  resolve(result: PutResult): void;
  reject(error: unknown): void;
}

interface Planned {
  job: Waiting;
  plan: PlannedLocation;
  entry: LocalIndexEntry;
  /** Set when its rename or its folder's fsync failed. */
  error?: unknown;
}

/** Bounds one journal write; the number of files in flight keeps batches far smaller anyway. */
const MAX_BATCH = 256;

export class GroupCommitter {
  private waiting: Waiting[] = [];
  private scheduled = false;

  constructor(private readonly deps: GroupCommitDeps) {}

  /**
   * Commit one temp file: resolves once it is at its final path, durably, and indexed (or
   * deduplicated onto content already stored). The temp file is the caller's to remove on failure.
   */
  commit(request: CommitRequest): Promise<PutResult> {
    return new Promise<PutResult>((resolve, reject) => {
      this.waiting.push({ ...request, resolve, reject });
      this.schedule();
    });
  }

  /** One task in the write lock takes every request waiting when it starts. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    void this.deps.queue.run(async () => {
      this.scheduled = false;
      const batch = this.waiting.splice(0, MAX_BATCH);
      if (this.waiting.length > 0) this.schedule();
      try {
        await this.commitBatch(batch);
      } catch (error) {
        // commitBatch answers each request itself; this is only so that a bug can never leave
        // a put waiting forever (a second answer to a promise is ignored).
        for (const job of batch) job.reject(error);
      }
    });
  }

  private async commitBatch(batch: Waiting[]): Promise<void> {
    const planned = await this.plan(batch);
    if (planned.length === 0) return;
    const { fs, journal, index, diskNames } = this.deps;
    try {
      const intents: JournalRecord[] = planned.map(({ entry }) => ({ op: 'intent', entry }));
      await journal.append(intents, true);
    } catch (error) {
      for (const p of planned) this.fail(p, error);
      return;
    }
    await Promise.all(
      planned.map(async (p) => {
        try {
          await fs.rename(p.job.tempPath, path.join(p.plan.folderPath, p.plan.name));
        } catch (error) {
          p.error = error;
          await journal.append([{ op: 'abandon', location: p.entry.location }], false).catch(() => undefined);
          return;
        }
        index.add(p.entry);
        diskNames.remember(p.entry.location);
      }),
    );
    // One fsync of each folder makes all the renames into it durable.
    const byFolder = new Map<string, Planned[]>();
    for (const p of planned) {
      if (p.error !== undefined) continue;
      const group = byFolder.get(p.plan.folderPath) ?? [];
      group.push(p);
      byFolder.set(p.plan.folderPath, group);
    }
    await Promise.all(
      [...byFolder].map(async ([folderPath, group]) => {
        try {
          await fs.syncDirectory(folderPath);
        } catch (error) {
          for (const p of group) p.error = error;
        }
      }),
    );
    const landed = planned.filter((p) => p.error === undefined);
    // Not fsynced, and a failure here is not the writes' failure: the durable intents already
    // let the next open find the files and commit them.
    if (landed.length > 0) {
      const commits: JournalRecord[] = landed.map(({ entry }) => ({ op: 'commit', location: entry.location }));
      await journal.append(commits, false).catch(() => undefined);
    }
    for (const p of planned) {
      if (p.error !== undefined) {
        this.fail(p, p.error);
        continue;
      }
      const { entry } = p;
      p.job.resolve({ location: entry.location, deduplicated: false, size: entry.size, hashes: entry.hashes });
    }
  }

  /**
   * Dedupe and name each request, in arrival order. A second request with the same content as an
   * earlier one in this batch waits for the next batch, where it finds that one stored.
   */
  private async plan(batch: Waiting[]): Promise<Planned[]> {
    const { fs, index, planner } = this.deps;
    const planned: Planned[] = [];
    const deferred: Waiting[] = [];
    const contentInBatch = new Set<string>();
    for (const job of batch) {
      try {
        const existing = index.findBySha256(job.hashes.sha256);
        if (existing) {
          await fs.unlink(job.tempPath).catch(() => undefined);
          job.resolve(await this.deps.deduplicated(existing, job.item));
          continue;
        }
        if (contentInBatch.has(job.hashes.sha256)) {
          deferred.push(job);
          continue;
        }
        const plan = await planner.plan(job.item);
        // Until it is committed, keep the name from the batch's other files.
        index.reserveName(plan.folder, plan.name);
        contentInBatch.add(job.hashes.sha256);
        planned.push({ job, plan, entry: entryFor(job, plan) });
      } catch (error) {
        job.reject(error);
      }
    }
    if (deferred.length > 0) {
      this.waiting.unshift(...deferred);
      this.schedule();
    }
    return planned;
  }

  private fail(p: Planned, error: unknown): void {
    if (!this.deps.index.entries.has(p.entry.location)) this.deps.index.releaseName(p.plan.folder, p.plan.name);
    p.job.reject(error);
  }
}

function entryFor(job: CommitRequest, plan: PlannedLocation): LocalIndexEntry {
  const { item, hashes } = job;
  return {
    location: plan.location,
    stem: plan.stem,
    size: item.size,
    hashes,
    assetId: item.assetId,
    sourceDevice: item.sourceDevice,
    role: item.role,
    assetName: item.assetName,
    fileName: item.fileName,
    captureTime: item.captureTime,
    modifiedMs: item.modifiedMs ?? null,
    storedAtMs: Date.now(),
  };
}
