/**
 * The simulator's AFC service: serves a folder as the phone's media root (/var/mobile/Media,
 * holding DCIM/ and PhotoData/). Requests are handled one at a time in arrival order, as afcd
 * does, so a pipelining client gets its replies in order. Files are read with positional reads
 * into one buffer per FILE_READ and sent with the header in one corked write, so the server is
 * not what a benchmark measures. Faults (NO_RESOURCES, vanishing or resized files, hostile
 * frames) are switched on through AfcServerOptions; link faults live in link.ts.
 */
import type { FileHandle } from 'node:fs/promises';
import { lstat, mkdir, open, readdir, readlink, rename, rm, rmdir, statfs, unlink } from 'node:fs/promises';
import type { Duplex } from 'node:stream';
import {
  AFC_MAX_FRAME_BYTES,
  AfcFrameParser,
  AfcOp,
  AfcStatus,
  encodeHeader,
  encodeKeyValues,
  frameBody,
  splitCStrings,
  u64s,
  type AfcFrame,
} from '../main/device/afc/protocol';
import { hostileReply } from './afc/hostile';
import type { PathJail } from './afc/path-jail';
import { sharedState, type AfcServerOptions, type AfcServerStats } from './afc/server-options';
import { firstString, normalize, parentOf, u64 } from './afc/request-args';
import { StatusReply, statusOf } from './afc/status';

export type { AfcHostileMode } from './afc/hostile';
export type { AfcServerFaults, AfcServerOptions, AfcServerStats } from './afc/server-options';

/** Bytes one FILE_READ answers at most (the phone caps reads too; clients ask 1–8 MiB). */
const MAX_READ = 16 * 1024 * 1024;
/** FILE_READs whose disk reads may run ahead of the reply being sent. */
const MAX_PREFETCH = 4;
/** Reply bytes a connection may have queued before the server waits for the socket to drain. */
const MAX_UNSENT = 8 * 1024 * 1024;
/** Requests queued before the server stops reading the socket (a flood cannot grow memory). */
const MAX_QUEUED = 512;

interface OpenFile {
  file: FileHandle;
  afcPath: string;
  position: number;
  /** Size as it appears to reads, after a changeSize fault. */
  visibleSize: number;
  realSize: number;
}

interface Reply {
  op: bigint;
  params?: Buffer;
  data?: Buffer;
}

/**
 * Serves AFC on one connection until it closes. Call once per connection to the AFC port;
 * `socket` is usually already shaped by a Link. All connections given the same options object
 * share the open-file count and the stats.
 */
export function serveAfc(socket: Duplex, options: AfcServerOptions): void {
  new AfcSession(socket, options).start();
}

class AfcSession {
  private readonly parser: AfcFrameParser;
  private readonly queue: AfcFrame[] = [];
  private readonly files = new Map<bigint, OpenFile>();
  private readonly jail: PathJail;
  private readonly stats: AfcServerStats;
  private nextHandle = 1n;
  private received = 0;
  private answered = 0;
  private busy = false;
  private closed = false;
  private paused = false;

  constructor(
    private readonly socket: Duplex,
    private readonly options: AfcServerOptions,
  ) {
    this.parser = new AfcFrameParser(options.maxFrameBytes ?? AFC_MAX_FRAME_BYTES);
    ({ jail: this.jail, stats: this.stats } = sharedState(options));
  }

  start(): void {
    this.stats.connections++;
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', () => this.shutdown());
    this.socket.on('close', () => this.shutdown());
    this.socket.on('end', () => this.shutdown());
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    try {
      for (const frame of this.parser.push(chunk)) {
        this.queue.push(frame);
        this.received++;
      }
    } catch {
      // Out of sync: a real afcd drops the connection.
      this.socket.destroy();
      return this.shutdown();
    }
    const outstanding = this.received - this.answered;
    if (outstanding > this.stats.maxOutstanding) this.stats.maxOutstanding = outstanding;
    if (this.queue.length >= MAX_QUEUED && !this.paused) {
      this.paused = true;
      this.socket.pause();
    }
    if (!this.busy) void this.run();
  }

  private async run(): Promise<void> {
    this.busy = true;
    // FILE_READs are started as soon as they are dequeued (up to MAX_PREFETCH at once) and
    // answered in order: a pipelining client gets disk reads that overlap the socket, as the
    // phone's own read-ahead gives it. Anything else waits until the reads before it are sent.
    const reads: Array<{ frame: AfcFrame; reply: Promise<Reply> }> = [];
    try {
      for (;;) {
        if (this.closed) return;
        if (this.paused && this.queue.length < MAX_QUEUED / 2) {
          this.paused = false;
          this.socket.resume();
        }
        const frame = this.queue[0];
        if (frame?.operation === AfcOp.FILE_READ && !this.options.faults?.hostile && reads.length < MAX_PREFETCH) {
          this.queue.shift();
          this.stats.requests++;
          reads.push({ frame, reply: this.compute(frame) });
          continue;
        }
        const read = reads.shift();
        if (read) this.send(read.frame, await read.reply);
        else if (frame) {
          this.queue.shift();
          this.stats.requests++;
          await this.answer(frame);
        } else return;
        // Let a few MiB queue before waiting, so the next file read overlaps this reply's
        // transmission (waiting for a full drain would serialize disk and socket).
        if (this.socket.writableLength > MAX_UNSENT) await new Promise<void>((resolve) => this.waitDrain(resolve));
      }
    } finally {
      this.busy = false;
    }
  }

  private waitDrain(resolve: () => void): void {
    const done = (): void => {
      this.socket.off('drain', done);
      this.socket.off('close', done);
      resolve();
    };
    this.socket.on('drain', done);
    this.socket.on('close', done);
  }

  private async answer(frame: AfcFrame): Promise<void> {
    const hostile = this.options.faults?.hostile;
    if (hostile) {
      const { bytes, end } = hostileReply(hostile, frame.packetNum, frame.operation);
      this.answered++;
      if (end) this.socket.end(bytes);
      else this.socket.write(bytes);
      return;
    }
    this.send(frame, await this.compute(frame));
  }

  /** The reply to a request; never rejects (failures become STATUS replies). */
  private async compute(frame: AfcFrame): Promise<Reply> {
    try {
      return await this.handle(frame.operation, frameBody(frame));
    } catch (error) {
      return { op: AfcOp.STATUS, params: u64s(statusOf(error)) };
    }
  }

  private send(frame: AfcFrame, reply: Reply): void {
    if (this.closed) return;
    this.answered++;
    const params = reply.params ?? Buffer.alloc(0);
    const data = reply.data ?? Buffer.alloc(0);
    this.socket.cork();
    this.socket.write(encodeHeader(frame.packetNum, reply.op, params.length, data.length));
    if (params.length) this.socket.write(params);
    if (data.length) this.socket.write(data);
    this.socket.uncork();
  }

  private async handle(op: bigint, body: Buffer): Promise<Reply> {
    const ok = { op: AfcOp.STATUS, params: u64s(AfcStatus.SUCCESS) };
    switch (op) {
      case AfcOp.READ_DIR: {
        const names = await readdir(await this.jail.resolved(firstString(body)));
        return { op: AfcOp.DATA, data: Buffer.from(['.', '..', ...names].map((name) => `${name}\0`).join(''), 'utf8') };
      }
      case AfcOp.GET_FILE_INFO:
        return { op: AfcOp.DATA, data: await this.fileInfo(firstString(body)) };
      case AfcOp.GET_DEVINFO: {
        const fs = await statfs(this.jail.root, { bigint: true });
        return {
          op: AfcOp.DATA,
          data: encodeKeyValues({
            Model: this.options.model ?? 'iPhone15,2',
            FSTotalBytes: String(fs.blocks * fs.bsize),
            FSFreeBytes: String(fs.bavail * fs.bsize),
            FSBlockSize: String(fs.bsize),
          }),
        };
      }
      case AfcOp.FILE_OPEN:
        return { op: AfcOp.FILE_OPEN_RES, params: u64s(await this.openFile(body)) };
      case AfcOp.FILE_READ: {
        const file = this.file(body);
        return { op: AfcOp.DATA, data: await this.readFile(file, Number(BigInt.asUintN(53, u64(body, 8)))) };
      }
      case AfcOp.FILE_WRITE: {
        const file = this.file(body);
        const data = body.subarray(8);
        const { bytesWritten } = await file.file.write(data, 0, data.length, file.position);
        file.position += bytesWritten;
        file.realSize = Math.max(file.realSize, file.position);
        file.visibleSize = Math.max(file.visibleSize, file.position);
        return ok;
      }
      case AfcOp.FILE_SEEK: {
        const file = this.file(body);
        const whence = u64(body, 8);
        const offset = BigInt.asIntN(64, u64(body, 16));
        const base =
          whence === 0n ? 0n : whence === 1n ? BigInt(file.position) : whence === 2n ? BigInt(file.visibleSize) : -1n;
        if (base < 0n || base + offset < 0n) throw new StatusReply(AfcStatus.INVALID_ARG);
        file.position = Number(base + offset);
        return ok;
      }
      case AfcOp.FILE_TELL:
        return { op: AfcOp.FILE_TELL_RES, params: u64s(BigInt(this.file(body).position)) };
      case AfcOp.FILE_CLOSE: {
        const handle = u64(body, 0);
        const file = this.file(body);
        this.files.delete(handle);
        this.stats.openFiles--;
        await file.file.close();
        return ok;
      }
      case AfcOp.REMOVE_PATH: {
        const target = await this.removable(firstString(body));
        const info = await lstat(target);
        try {
          await (info.isDirectory() ? rmdir(target) : unlink(target));
        } catch (error) {
          // afcd answers UNKNOWN_ERROR for a non-empty folder (libimobiledevice maps it to DIR_NOT_EMPTY).
          if ((error as NodeJS.ErrnoException).code === 'ENOTEMPTY') throw new StatusReply(AfcStatus.UNKNOWN_ERROR);
          throw error;
        }
        return ok;
      }
      case AfcOp.REMOVE_PATH_AND_CONTENTS: {
        const target = await this.removable(firstString(body));
        await lstat(target);
        await rm(target, { recursive: true });
        return ok;
      }
      case AfcOp.RENAME_PATH: {
        const [from = '', to = ''] = splitCStrings(body);
        await this.jail.resolved(from);
        await rename(this.jail.lexical(from), await this.jail.resolved(to));
        return ok;
      }
      case AfcOp.MAKE_DIR:
        await mkdir(await this.jail.resolved(firstString(body)), { recursive: true });
        return ok;
      default:
        throw new StatusReply(AfcStatus.UNKNOWN_PACKET_TYPE);
    }
  }

  /** The host path to remove: never the root, and reached without leaving it (the last part may be a link). */
  private async removable(afcPath: string): Promise<string> {
    const target = this.jail.lexical(afcPath);
    if (target === this.jail.lexical('/')) throw new StatusReply(AfcStatus.PERM_DENIED);
    await this.jail.resolved(parentOf(afcPath));
    return target;
  }

  private async fileInfo(afcPath: string): Promise<Buffer> {
    const target = this.jail.lexical(afcPath);
    // Refuse paths that reach through a symlink pointing outside (lstat of the last part is fine).
    await this.jail.resolved(parentOf(afcPath));
    const info = await lstat(target, { bigint: true });
    const ifmt = info.isFile()
      ? 'S_IFREG'
      : info.isDirectory()
        ? 'S_IFDIR'
        : info.isSymbolicLink()
          ? 'S_IFLNK'
          : 'S_IFIFO';
    const record: Record<string, string> = {
      st_size: String(info.size),
      st_blocks: String(info.blocks),
      st_nlink: String(info.nlink),
      st_ifmt: ifmt,
      st_mtime: String(info.mtimeNs),
      st_birthtime: String(info.birthtimeNs > 0n ? info.birthtimeNs : info.ctimeNs),
    };
    if (info.isSymbolicLink()) record.LinkTarget = await readlink(target);
    return encodeKeyValues(record);
  }

  private async openFile(body: Buffer): Promise<bigint> {
    const mode = u64(body, 0);
    const afcPath = firstString(body.subarray(8));
    const flags = ['', 'r', 'r+', 'w', 'w+', 'a', 'a+'][Number(mode)] ?? '';
    if (!flags || mode > 6n) throw new StatusReply(AfcStatus.INVALID_ARG);
    const faults = this.options.faults;
    if (faults?.maxOpenFiles !== undefined && this.stats.openFiles >= faults.maxOpenFiles)
      throw new StatusReply(AfcStatus.NO_RESOURCES);
    if (faults?.vanishOnOpen?.includes(normalize(afcPath))) throw new StatusReply(AfcStatus.OBJECT_NOT_FOUND);
    const file = await open(await this.jail.resolved(afcPath), flags);
    const info = await file.stat();
    if (this.closed) {
      // The connection was cut while the file opened: shutdown() has already closed the others.
      await file.close();
      throw new StatusReply(AfcStatus.IO_ERROR);
    }
    if (info.isDirectory()) {
      await file.close();
      throw new StatusReply(AfcStatus.OBJECT_IS_DIR);
    }
    const delta = faults?.changeSize?.[normalize(afcPath)] ?? 0;
    const handle = this.nextHandle++;
    this.files.set(handle, {
      file,
      afcPath,
      position: 0,
      realSize: info.size,
      visibleSize: Math.max(0, info.size + delta),
    });
    this.stats.openFiles++;
    return handle;
  }

  /** Reads at the handle's position; the position moves before the read, so reads can overlap. */
  private async readFile(file: OpenFile, asked: number): Promise<Buffer> {
    const position = file.position;
    const length = Math.max(0, Math.min(asked, MAX_READ, file.visibleSize - position));
    file.position += length;
    if (length === 0) return Buffer.alloc(0);
    const buffer = Buffer.allocUnsafe(length);
    const fromDisk = Math.max(0, Math.min(length, file.realSize - position));
    let filled = 0;
    while (filled < fromDisk) {
      const { bytesRead } = await file.file.read(buffer, filled, fromDisk - filled, position + filled);
      if (bytesRead === 0) break; // the file shrank on disk since it was opened
      filled += bytesRead;
    }
    if (filled < fromDisk) {
      file.position = Math.min(file.position, position + filled);
      return buffer.subarray(0, filled);
    }
    if (fromDisk < length) buffer.fill(0, fromDisk); // changeSize > 0: zero filler past the real end
    return buffer;
  }

  private file(body: Buffer): OpenFile {
    const file = this.files.get(u64(body, 0));
    if (!file) throw new StatusReply(AfcStatus.INVALID_ARG);
    return file;
  }

  private shutdown(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    for (const file of this.files.values()) void file.file.close().catch(() => {});
    this.stats.openFiles -= this.files.size;
    this.files.clear();
  }
}
