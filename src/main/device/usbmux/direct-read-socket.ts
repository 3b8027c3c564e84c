/**
 * Sockets whose incoming bytes can be read straight into buffers the consumer chooses, with
 * Node's `onread` option, instead of the stream machinery (which allocates a fresh 64 KiB buffer
 * for every read and pays for its garbage collection: on a 2-core machine that was most of our
 * client's CPU per byte of a large AFC read; see docs/BENCHMARKS.md, "AFC read").
 *
 * `onread.buffer` may be a function: Node calls it again after every read and reads the next
 * bytes into the buffer it returns (lib/internal/stream_base_commons.js, onStreamRead, Node 12+).
 * A consumer that knows how many bytes the current frame still has (AFC announces its payload
 * length in the header) hands out that frame's own buffer, so the kernel copies the payload right
 * where it is kept and no byte is copied in JavaScript. (Were a Node to call the function only
 * once, every read would land in the scratch buffer and be copied out: slower, still correct; the
 * unit test that checks reads land in place would say so.)
 *
 * Until a consumer takes the socket over, it behaves as an ordinary socket: each read is copied
 * out of the reused buffer and pushed to the Readable side ('data', pipe, async iteration). The
 * usbmux Connect exchange (a plist reply on the same socket) is read that way; so is a service
 * whose client never takes the socket over.
 */
import net from 'node:net';
import type { Duplex } from 'node:stream';

/** What takes the bytes of a direct-read socket. */
export interface DirectReadConsumer {
  /**
   * The buffer the next read should land in (at least one byte long), or undefined for the
   * socket's own reused buffer.
   */
  nextBuffer(): Buffer | undefined;
  /**
   * Bytes arrived. `inPlace`: they are at the start of the buffer `nextBuffer()` returned, where
   * the consumer wanted them; otherwise they are in the socket's reused buffer (or are bytes that
   * came before the takeover) and must be copied if kept, since the next read overwrites them.
   * Must not throw (it runs inside Node's read callback).
   */
  onBytes(bytes: Buffer, inPlace: boolean): void;
}

/** The reused buffer for reads no consumer has placed (headers, small replies, the usbmux exchange). */
const SCRATCH_BYTES = 64 * 1024;

const directRead = Symbol('rollkeeper.directRead');

interface DirectReadState {
  consumer: DirectReadConsumer | undefined;
  scratch: Buffer;
}

type DirectReadSocket = net.Socket & { [directRead]?: DirectReadState };

/** Options of net.connect without `onread` (set here). */
export type DirectReadConnectOptions = net.IpcNetConnectOpts | net.TcpNetConnectOpts;

/** Connects like net.connect, with a socket that `takeDirectRead` can later take over. */
export function connectDirectRead(options: DirectReadConnectOptions): net.Socket {
  const state: DirectReadState = { consumer: undefined, scratch: Buffer.allocUnsafe(SCRATCH_BYTES) };
  const socket: DirectReadSocket = net.connect({
    ...options,
    onread: {
      // Called once when the socket connects and again after every read (Node's onStreamRead).
      buffer: () => {
        const next = state.consumer?.nextBuffer();
        // An empty buffer would read 0 bytes, which libuv reports as the end of the stream.
        return next && next.length > 0 ? next : state.scratch;
      },
      callback: (length: number, buffer: Uint8Array): boolean => {
        const bytes = Buffer.from(buffer.buffer, buffer.byteOffset, length);
        if (state.consumer) {
          state.consumer.onBytes(bytes, buffer !== state.scratch);
          return true;
        }
        // No consumer yet: an ordinary stream. Copy (the scratch buffer is reused); false stops
        // reading until the Readable side wants more (its _read restarts the handle).
        return socket.push(Buffer.from(bytes));
      },
    },
  });
  socket[directRead] = state;
  return socket;
}

/**
 * Makes `consumer` the reader of a socket from `connectDirectRead`: the bytes already buffered
 * on its Readable side (e.g. what followed the usbmux Connect result) are handed over first,
 * then every read goes to the consumer. From then on the Readable side carries no data, only
 * 'end', 'error' and 'close'. Returns false, changing nothing, for any other stream.
 */
export function takeDirectRead(stream: Duplex, consumer: DirectReadConsumer): boolean {
  const state = (stream as DirectReadSocket)[directRead];
  if (!state || state.consumer) return false;
  state.consumer = consumer;
  for (let chunk: Buffer | null; (chunk = stream.read() as Buffer | null) !== null;) consumer.onBytes(chunk, false);
  // Flowing with no 'data' listener: the handle reads, and 'end' is emitted when the peer ends.
  stream.resume();
  return true;
}
