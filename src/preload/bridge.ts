import type { IpcRenderer, IpcRendererEvent } from 'electron';
import type { EventMessage, Reply } from '../shared/contract';
import {
  EVENT_NAMES,
  type EventName,
  IPC_CALL_PREFIX,
  IPC_EVENT_CHANNEL,
  METHOD_NAMES,
  type MethodName,
} from '../shared/contract-names';

/** What the page sees as `window.rollkeeper`. */
export interface RollkeeperBridge {
  calls: Record<MethodName, (args: unknown) => Promise<Reply>>;
  on(event: EventName, listener: (payload: unknown) => void): () => void;
}

/**
 * The object the preload hands to contextBridge: one function per contract call, and `on` for
 * contract events. The page never gets ipcRenderer itself, so it cannot reach other channels.
 */
export function buildBridge(ipc: Pick<IpcRenderer, 'invoke' | 'on' | 'removeListener'>): RollkeeperBridge {
  const calls = Object.fromEntries(
    METHOD_NAMES.map((method) => [method, (args: unknown) => ipc.invoke(IPC_CALL_PREFIX + method, args)]),
  ) as RollkeeperBridge['calls'];
  return {
    calls,
    on(event, listener) {
      if (!(EVENT_NAMES as readonly string[]).includes(event)) throw new Error(`Unknown event "${String(event)}"`);
      const handler = (_e: IpcRendererEvent, message: EventMessage) => {
        if (message?.event === event) listener(message.payload);
      };
      ipc.on(IPC_EVENT_CHANNEL, handler);
      return () => ipc.removeListener(IPC_EVENT_CHANNEL, handler);
    },
  };
}
