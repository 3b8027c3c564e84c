import type {
  EngineClient,
  EventMessage,
  EventName,
  EventPayload,
  MethodArgs,
  MethodName,
  MethodResult,
  Reply,
} from '../../shared/contract';

/** The engine's error as the page sees it: code, message and what to do. */
export class EngineError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

function unwrap<T>(reply: Reply): T {
  if (reply.ok) return reply.result as T;
  throw new EngineError(reply.error.code, reply.error.message, reply.error.hint);
}

/** The object the Electron preload exposes (see src/preload/bridge.ts). */
interface PreloadBridge {
  calls: Record<string, (args: unknown) => Promise<Reply>>;
  on(event: string, listener: (payload: unknown) => void): () => void;
}

declare global {
  interface Window {
    rollkeeper?: PreloadBridge;
  }
}

function ipcClient(bridge: PreloadBridge): EngineClient {
  return {
    call: async (method, args) => unwrap(await bridge.calls[method](args)),
    on: (event, listener) => bridge.on(event, listener as (payload: unknown) => void),
  };
}

/**
 * The contract over the WebSocket of `rollkeeper serve`. The access cookie was set when the page
 * loaded; the socket reconnects by itself when the server restarts.
 */
function webSocketClient(url: string): EngineClient {
  let socket: WebSocket | null = null;
  let nextId = 1;
  let retryMs = 250;
  const pending = new Map<number, { resolve: (r: Reply) => void }>();
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  let opened: Promise<WebSocket>;

  const connect = (): Promise<WebSocket> =>
    new Promise((resolve) => {
      const ws = new WebSocket(url);
      ws.onopen = () => {
        retryMs = 250;
        socket = ws;
        resolve(ws);
      };
      ws.onmessage = (message) => {
        const data = JSON.parse(String(message.data)) as { id?: number; reply?: Reply } & Partial<EventMessage>;
        if (data.reply && typeof data.id === 'number') {
          pending.get(data.id)?.resolve(data.reply);
          pending.delete(data.id);
        } else if (data.event) {
          for (const listener of listeners.get(data.event) ?? []) listener(data.payload);
        }
      };
      ws.onclose = () => {
        socket = null;
        for (const [id, call] of pending) {
          call.resolve({
            ok: false,
            error: {
              code: 'transport.closed',
              message: 'Lost the connection to Rollkeeper.',
              hint: 'Check that "rollkeeper serve" is still running.',
            },
          });
          pending.delete(id);
        }
        setTimeout(() => (opened = connect()), retryMs);
        retryMs = Math.min(retryMs * 2, 5000);
      };
    });
  opened = connect();

  return {
    async call<M extends MethodName>(method: M, args: MethodArgs<M>): Promise<MethodResult<M>> {
      const ws = socket ?? (await opened);
      const id = nextId++;
      const reply = await new Promise<Reply>((resolve) => {
        pending.set(id, { resolve });
        ws.send(JSON.stringify({ id, method, args }));
      });
      return unwrap<MethodResult<M>>(reply);
    },
    on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void) {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      set.add(listener as (payload: unknown) => void);
      return () => set.delete(listener as (payload: unknown) => void);
    },
  };
}

/** IPC inside the desktop app, the WebSocket in a browser: the rest of the UI cannot tell. */
export function createEngineClient(): EngineClient {
  if (window.rollkeeper) return ipcClient(window.rollkeeper);
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return webSocketClient(`${scheme}://${location.host}/api`);
}
