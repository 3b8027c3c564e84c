/**
 * The client's AFC frame reader. Each frame's parameters and payload are written into buffers
 * allocated for that frame, which then belong to whoever gets the frame. Bytes come in two ways:
 *
 * - `push(bytes)`: bytes that arrived anywhere (a 'data' chunk, the reused buffer of a
 *   direct-read socket); the parts of them that belong to the frame are copied in;
 * - `target()` then `landed(n)`: the socket read `n` bytes straight into the buffer `target()`
 *   returned, i.e. where the frame keeps them (usbmux/direct-read-socket.ts). A 4 MiB FILE_READ
 *   reply then lands in its own buffer with no copy in JavaScript and no 64 KiB buffer per read.
 *
 * A request may also give the buffer its reply's payload should land in (`onHeader` returns it;
 * a recycling reader's ring, see chunk-reader.ts): when the frame's data part fits, it is received
 * into `target.subarray(0, dataLength)` as its one segment and nothing is allocated for it; a
 * bigger data part falls back to allocation (the caller then sees a reply it did not ask for).
 *
 * Safety: each header is validated (decodeHeader) and shown to `onHeader` as soon as its 40 bytes
 * are in, so a lying length or an unknown packet number fails before anything is allocated for
 * the frame; body buffers are then allocated in segments of at most SEGMENT_BYTES, one at a time
 * as bytes arrive, so a peer announcing a huge frame gets at most one segment ahead of what it
 * really sends. After a throw the receiver is out of sync and refuses everything.
 */
import { AFC_HEADER_SIZE, decodeHeader, type AfcFrame, type AfcHeader } from './protocol';

/** Largest body buffer allocated at once; a FILE_READ reply of up to this size is one buffer. */
export const SEGMENT_BYTES = 4 * 1024 * 1024;

const EMPTY = Buffer.alloc(0);

export interface AfcFrameHandlers {
  /**
   * A header arrived (already validated); throw to refuse the frame (e.g. unknown packet number).
   * May return the buffer the frame's data part should land in (used only if it fits).
   */
  onHeader(header: AfcHeader): Buffer | undefined;
  /** A whole frame arrived; its buffers are the receiver's no more. */
  onFrame(frame: AfcFrame): void;
}

export class AfcFrameReceiver {
  private readonly headerBytes = Buffer.allocUnsafe(AFC_HEADER_SIZE);
  private headerFilled = 0;
  private header: AfcHeader | undefined;
  /** What is being received: the header, the parameter area, or the bulk data. */
  private phase: 'header' | 'params' | 'data' = 'header';
  /** Bytes of the current params/data part not yet received. */
  private remaining = 0;
  private dataLength = 0;
  /** Where the current frame's data part lands, when its request gave a buffer big enough. */
  private dataTarget: Buffer | undefined;
  private params: Buffer = EMPTY;
  /** Completed segments of the current part. */
  private segments: Buffer[] = [];
  private segment: Buffer | undefined;
  private segmentFilled = 0;
  private failed: Error | undefined;

  constructor(
    private readonly maxFrameBytes: number,
    private readonly handlers: AfcFrameHandlers,
    /** Largest body buffer allocated at once (tests use tiny ones). */
    private readonly segmentBytes = SEGMENT_BYTES,
  ) {}

  /** Bytes of the current frame held so far (header excluded). */
  get bufferedBytes(): number {
    return this.segments.reduce((sum, segment) => sum + segment.length, 0) + this.segmentFilled;
  }

  /**
   * Where the next bytes belong, when they can be read in place: the unfilled rest of the current
   * body segment (allocated here if needed). Undefined between frames (the header is read
   * elsewhere and pushed, with whatever follows it).
   */
  target(): Buffer | undefined {
    if (this.failed || this.phase === 'header') return undefined;
    return this.currentSegment().subarray(this.segmentFilled);
  }

  /** `length` bytes were read into the buffer `target()` returned. */
  landed(length: number): void {
    this.guard(() => {
      if (this.phase === 'header' || !this.segment || length > this.segment.length - this.segmentFilled) {
        throw new RangeError(`AfcFrameReceiver: ${length} bytes landed outside the target.`);
      }
      this.advance(length);
    });
  }

  /** Bytes that arrived elsewhere: copied into the frame(s) they belong to. */
  push(bytes: Buffer): void {
    this.guard(() => {
      let at = 0;
      while (at < bytes.length) {
        if (this.phase === 'header') {
          const n = Math.min(AFC_HEADER_SIZE - this.headerFilled, bytes.length - at);
          bytes.copy(this.headerBytes, this.headerFilled, at, at + n);
          this.headerFilled += n;
          at += n;
          if (this.headerFilled === AFC_HEADER_SIZE) this.startFrame();
        } else {
          const segment = this.currentSegment();
          const n = Math.min(segment.length - this.segmentFilled, bytes.length - at);
          bytes.copy(segment, this.segmentFilled, at, at + n);
          at += n;
          this.advance(n);
        }
      }
    });
  }

  private guard(work: () => void): void {
    if (this.failed) throw this.failed;
    try {
      work();
    } catch (error) {
      this.failed = error as Error;
      this.segments = [];
      this.segment = undefined;
      this.dataTarget = undefined;
      throw error;
    }
  }

  private startFrame(): void {
    this.headerFilled = 0;
    const header = decodeHeader(this.headerBytes, this.maxFrameBytes);
    const target = this.handlers.onHeader(header);
    this.header = header;
    // Both lengths are proven <= maxFrameBytes, so Number() is exact.
    const paramsLength = Number(header.thisLength) - AFC_HEADER_SIZE;
    this.dataLength = Number(header.entireLength - header.thisLength);
    this.dataTarget = target && this.dataLength <= target.length ? target : undefined;
    this.params = EMPTY;
    if (paramsLength > 0) this.enter('params', paramsLength);
    else this.enterData();
  }

  private enter(phase: 'params' | 'data', length: number): void {
    this.phase = phase;
    this.remaining = length;
  }

  private enterData(): void {
    if (this.dataLength > 0) this.enter('data', this.dataLength);
    else this.finishFrame([]);
  }

  private currentSegment(): Buffer {
    if (!this.segment) {
      // The caller's buffer holds the whole data part (checked in startFrame): one segment.
      this.segment =
        this.phase === 'data' && this.dataTarget
          ? this.dataTarget.subarray(0, this.dataLength)
          : Buffer.allocUnsafe(Math.min(this.remaining, this.segmentBytes));
      this.segmentFilled = 0;
    }
    return this.segment;
  }

  private advance(length: number): void {
    this.segmentFilled += length;
    this.remaining -= length;
    if (this.segmentFilled === this.segment!.length) {
      this.segments.push(this.segment!);
      this.segment = undefined;
      this.segmentFilled = 0;
    }
    if (this.remaining > 0) return;
    const parts = this.segments;
    this.segments = [];
    if (this.phase === 'params') {
      this.params = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
      this.enterData();
    } else this.finishFrame(parts);
  }

  private finishFrame(data: Buffer[]): void {
    const header = this.header!;
    const frame: AfcFrame = {
      packetNum: header.packetNum,
      operation: header.operation,
      params: this.params,
      data,
      dataLength: this.dataLength,
    };
    this.phase = 'header';
    this.header = undefined;
    this.dataTarget = undefined;
    this.params = EMPTY;
    this.handlers.onFrame(frame);
  }
}
