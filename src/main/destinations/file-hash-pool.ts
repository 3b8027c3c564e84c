/**
 * SHA-256 of whole files on worker threads, for reading copies back. A read-back on the main
 * thread cost it the hashing (about 0.6 ms per MB with SHA extensions), the read calls and a
 * fresh 1 MiB buffer per chunk (garbage collection): with files in flight, the main thread was
 * the backup's bottleneck (docs/BENCHMARKS.md, "Backup"). A worker reads the file itself into
 * one reused buffer and answers with its size and digest; no bytes cross threads.
 *
 * The worker is plain JavaScript evaluated from a string, so it runs the same under tsx, vitest
 * and the bundled app (no separate file for the bundler to find).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

export interface FileDigest {
  size: number;
  sha256: string;
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const stop = new Int32Array(workerData.stop);
const buffer = Buffer.allocUnsafe(1024 * 1024);
parentPort.on('message', ({ id, path }) => {
  let fd;
  try {
    fd = fs.openSync(path, 'r');
    const hash = createHash('sha256');
    let size = 0;
    for (;;) {
      if (Atomics.load(stop, 0) === id) throw Object.assign(new Error('aborted'), { code: 'ABORT_ERR' });
      const read = fs.readSync(fd, buffer, 0, buffer.length, null);
      if (read === 0) break;
      hash.update(buffer.subarray(0, read));
      size += read;
    }
    parentPort.postMessage({ id, size, sha256: hash.digest('hex') });
  } catch (error) {
    parentPort.postMessage({ id, error: { message: String(error && error.message), code: error && error.code } });
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
});
`;

interface Job {
  id: number;
  path: string;
  resolve(digest: FileDigest): void;
  reject(error: unknown): void;
  signal?: AbortSignal;
  onAbort?: () => void;
  /** Already answered (aborted while running): the worker's late reply is dropped. */
  settled?: boolean;
}

interface Member {
  worker: Worker;
  /** Holds the id of a job the worker must stop (checked between 1 MiB reads). */
  stop: Int32Array;
  job: Job | null;
}

/** A few workers, one file each at a time; jobs beyond that wait in order. */
class FileHashPool {
  private readonly members: Member[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;

  constructor(private readonly size: number) {}

  hash(path: string, signal?: AbortSignal): Promise<FileDigest> {
    signal?.throwIfAborted();
    return new Promise<FileDigest>((resolve, reject) => {
      const job: Job = { id: this.nextId++, path, resolve, reject, signal };
      if (signal) {
        job.onAbort = () => this.abort(job);
        signal.addEventListener('abort', job.onAbort, { once: true });
      }
      this.queue.push(job);
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const member = this.members.find((m) => m.job === null) ?? this.grow();
      if (!member) return;
      const job = this.queue.shift()!;
      member.job = job;
      member.worker.ref();
      member.worker.postMessage({ id: job.id, path: job.path });
    }
  }

  private grow(): Member | undefined {
    if (this.members.length >= this.size) return undefined;
    const stop = new SharedArrayBuffer(4);
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { stop } });
    const member: Member = { worker, stop: new Int32Array(stop), job: null };
    worker.on('message', (reply: { id: number; size?: number; sha256?: string; error?: ErrorReply }) => {
      const job = member.job;
      member.job = null;
      worker.unref();
      if (job && job.id === reply.id) this.settle(job, reply);
      this.dispatch();
    });
    worker.on('error', (error) => this.lose(member, error));
    worker.on('exit', () => this.lose(member, new Error('the hashing worker exited')));
    this.members.push(member);
    return member;
  }

  private settle(job: Job, reply: { size?: number; sha256?: string; error?: ErrorReply }): void {
    if (job.settled) return;
    job.settled = true;
    if (job.onAbort) job.signal?.removeEventListener('abort', job.onAbort);
    if (job.signal?.aborted) return job.reject(job.signal.reason);
    if (reply.error) return job.reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }));
    job.resolve({ size: reply.size!, sha256: reply.sha256! });
  }

  private abort(job: Job): void {
    const waiting = this.queue.indexOf(job);
    if (waiting >= 0) {
      this.queue.splice(waiting, 1);
      job.reject(job.signal!.reason);
      return;
    }
    // Running: answer now (a read from a hung network share may never return), and have the
    // worker stop at its next read; it takes new jobs once it has answered.
    const member = this.members.find((m) => m.job === job);
    if (!member) return;
    Atomics.store(member.stop, 0, job.id);
    job.settled = true;
    job.reject(job.signal!.reason);
  }

  /** A worker that died (out of memory, say) fails its job; the next job gets a new worker. */
  private lose(member: Member, error: unknown): void {
    const index = this.members.indexOf(member);
    if (index < 0) return;
    this.members.splice(index, 1);
    const job = member.job;
    member.job = null;
    if (job && !job.settled) {
      job.settled = true;
      if (job.onAbort) job.signal?.removeEventListener('abort', job.onAbort);
      job.reject(error);
    }
    this.dispatch();
  }
}

interface ErrorReply {
  message: string;
  code?: string;
}

let shared: FileHashPool | undefined;

/**
 * Size and SHA-256 of the file at `path`, measured on a worker thread. Rejects with the file
 * system's error (its `code`, e.g. ENOENT) or `signal.reason` when aborted.
 */
export function hashFileOffThread(path: string, signal?: AbortSignal): Promise<FileDigest> {
  // One core stays for the main thread (sockets, the catalog); at least one worker, at most four.
  shared ??= new FileHashPool(Math.max(1, Math.min(4, availableParallelism() - 1)));
  return shared.hash(path, signal);
}
