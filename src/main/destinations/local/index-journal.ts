/**
 * The local destination's index on disk: `.rollkeeper/index.jsonl`, an append-only journal of
 * JSON lines, compacted now and then into one `entry` line per stored file.
 *
 * Why a journal and not SQLite: the folder is often a NAS share, and SQLite's own documentation
 * warns that its file locking is broken on many SMB/NFS implementations and that WAL mode cannot
 * work there at all (it needs shared memory); a corrupt database would lose the whole index. An
 * append-only text file needs no locking beyond our own lock file, survives a crash with at most
 * a torn last line (cut off on open), and stays readable by a person with any text editor,
 * which is the point of an index meant to rebuild the catalog after the app's data is lost.
 *
 * Crash safety of a write: `intent` (fsynced) → rename temp file to final name → `commit`.
 * On open, an intent with no commit is settled by looking at the final path: the file there
 * with the right size and SHA-256 is committed, anything else is abandoned.
 */
import path from 'node:path';
import { z } from 'zod';
import type { IndexEntry } from '../destination';
import type { LocalFs, WritableFile } from './local-fs';

/** An index entry plus the group stem its name was built from (keeps a group together). */
export interface LocalIndexEntry extends IndexEntry {
  stem: string;
}

const captureTimeSchema = z.object({
  utcMs: z.number(),
  offsetMinutes: z.number().nullable(),
  source: z.enum(['library', 'exif', 'quicktime', 'movie-header', 'file-birth', 'file-mtime']),
});
const roleSchema = z.enum(['original', 'live-video', 'edited', 'adjustment', 'other']);
const referenceSchema = z.object({
  assetId: z.string(),
  sourceDevice: z.string(),
  role: roleSchema,
  assetName: z.string(),
});
const entrySchema = z.object({
  location: z.string().min(1),
  stem: z.string(),
  size: z.number().int().nonnegative(),
  // MD5 only when the folder was opened to measure it (older journals always have it).
  hashes: z.object({
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    md5: z
      .string()
      .regex(/^[0-9a-f]{32}$/)
      .optional(),
  }),
  assetId: z.string(),
  sourceDevice: z.string(),
  role: roleSchema,
  assetName: z.string(),
  fileName: z.string(),
  captureTime: captureTimeSchema.nullable(),
  modifiedMs: z.number().nullable(),
  storedAtMs: z.number(),
  alsoReferencedBy: z.array(referenceSchema).optional(),
});
const recordSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('entry'), entry: entrySchema }),
  z.object({ op: z.literal('intent'), entry: entrySchema }),
  z.object({ op: z.literal('commit'), location: z.string() }),
  z.object({ op: z.literal('abandon'), location: z.string() }),
  z.object({ op: z.literal('remove'), location: z.string() }),
  z.object({ op: z.literal('ref'), location: z.string(), ref: referenceSchema }),
]);

export type JournalRecord = z.infer<typeof recordSchema>;

export interface JournalReadResult {
  records: number;
  /** Lines that were not valid records (hand edits, disk damage): skipped, counted. */
  damagedLines: number;
  /** Byte length up to the last newline; more than that is a line torn by a crash. */
  completeBytes: number;
  totalBytes: number;
}

/** Read the journal, handing each valid record to `onRecord` in order. A missing file is empty. */
export async function readJournal(
  fs: LocalFs,
  file: string,
  onRecord: (record: JournalRecord) => void,
): Promise<JournalReadResult> {
  const result: JournalReadResult = { records: 0, damagedLines: 0, completeBytes: 0, totalBytes: 0 };
  let body: AsyncIterable<Uint8Array>;
  try {
    body = await fs.openForRead(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return result;
    throw error;
  }
  let carry: Buffer = Buffer.alloc(0);
  for await (const chunk of body) {
    result.totalBytes += chunk.byteLength;
    let data = carry.length > 0 ? Buffer.concat([carry, chunk]) : Buffer.from(chunk);
    let newline = data.indexOf(0x0a);
    while (newline !== -1) {
      const line = data.subarray(0, newline).toString('utf8');
      result.completeBytes += newline + 1;
      data = data.subarray(newline + 1);
      newline = data.indexOf(0x0a);
      if (line.trim() === '') continue;
      const record = parseRecord(line);
      if (record) {
        result.records += 1;
        onRecord(record);
      } else {
        result.damagedLines += 1;
      }
    }
    carry = Buffer.from(data);
  }
  return result;
}

function parseRecord(line: string): JournalRecord | null {
  try {
    const parsed = recordSchema.safeParse(JSON.parse(line));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** The open journal, for appending. Appends are serialised, so callers may overlap. */
export class IndexJournal {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly fs: LocalFs,
    readonly file: string,
    private handle: WritableFile,
  ) {}

  /** Open for appending, first cutting off a line torn by a crash (it was never committed). */
  static async open(fs: LocalFs, file: string, read: JournalReadResult): Promise<IndexJournal> {
    if (read.completeBytes < read.totalBytes) await fs.truncate(file, read.completeBytes);
    return new IndexJournal(fs, file, await fs.openForWrite(file, 'append'));
  }

  /** Append records; `durable` waits for fsync (needed before acting on an intent). */
  append(records: JournalRecord[], durable: boolean): Promise<void> {
    const text = records.map((record) => JSON.stringify(record) + '\n').join('');
    return this.enqueue(async () => {
      await writeFully(this.handle, Buffer.from(text, 'utf8'));
      if (durable) await this.handle.sync();
    });
  }

  /**
   * Replace the journal with one `entry` line per live entry: written to `tempFile`, fsynced,
   * renamed over the journal, so a crash leaves either the old journal or the new one.
   */
  compact(entries: Iterable<LocalIndexEntry>, tempFile: string): Promise<void> {
    return this.enqueue(async () => {
      const out = await this.fs.openForWrite(tempFile, 'exclusive');
      try {
        let batch: string[] = [];
        for (const entry of entries) {
          batch.push(JSON.stringify({ op: 'entry', entry } satisfies JournalRecord));
          if (batch.length >= 1000) {
            await writeFully(out, Buffer.from(batch.join('\n') + '\n', 'utf8'));
            batch = [];
          }
        }
        if (batch.length > 0) await writeFully(out, Buffer.from(batch.join('\n') + '\n', 'utf8'));
        await out.sync();
      } finally {
        await out.close();
      }
      await this.handle.close();
      try {
        await this.fs.rename(tempFile, this.file);
        await this.fs.syncDirectory(path.dirname(this.file));
      } finally {
        // Reopen whichever journal is now in place, so a failed compaction leaves appends working.
        this.handle = await this.fs.openForWrite(this.file, 'append');
      }
    });
  }

  close(): Promise<void> {
    return this.enqueue(() => this.handle.close());
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/** Write all of `data`, looping over short writes. */
export async function writeFully(file: WritableFile, data: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < data.byteLength) {
    const { bytesWritten } = await file.write(data.subarray(offset));
    offset += bytesWritten;
  }
}
