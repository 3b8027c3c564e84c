import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { IPC_CALL_PREFIX, IPC_EVENT_CHANNEL, METHOD_NAMES } from '../../shared/contract-names';
import type { Reply } from '../../shared/contract';
import { RollkeeperError } from '../../shared/errors';
import { dispatch } from '../contract-dispatch';
import type { EngineHost } from '../server/server';

export class UntrustedSenderError extends RollkeeperError {
  override name = 'UntrustedSenderError';
  constructor() {
    super('ipc.untrusted-sender', 'This call did not come from the Rollkeeper window and was refused.');
  }
}

/**
 * A sender is trusted when it is our window's own top frame showing our own page: a frame or a
 * page that navigated elsewhere (or any other webContents) gets nothing.
 */
export type SenderCheck = (event: IpcMainInvokeEvent) => boolean;

export function trustedSender(
  getWindowContents: () => WebContents | null,
  isAppUrl: (url: string) => boolean,
): SenderCheck {
  return (event) => {
    const contents = getWindowContents();
    const frame = event.senderFrame;
    return (
      contents !== null &&
      event.sender === contents &&
      frame !== null &&
      frame === contents.mainFrame &&
      isAppUrl(frame.url)
    );
  };
}

/**
 * Registers one handler per contract call. Each checks the sender, then validates and runs the
 * call through the same dispatch the WebSocket transport uses. Returns an unregister function.
 */
export function registerIpc(
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>,
  engine: EngineHost,
  isTrusted: SenderCheck,
): () => void {
  for (const method of METHOD_NAMES) {
    ipcMain.handle(IPC_CALL_PREFIX + method, async (event, args): Promise<Reply> => {
      if (!isTrusted(event)) return { ok: false, error: new UntrustedSenderError().toJSON() };
      return dispatch(engine, method, args);
    });
  }
  return () => {
    for (const method of METHOD_NAMES) ipcMain.removeHandler(IPC_CALL_PREFIX + method);
  };
}

/** Forwards every engine event to the window while it exists. */
export function forwardEvents(engine: EngineHost, getWindowContents: () => WebContents | null): () => void {
  return engine.onEvent((message) => {
    const contents = getWindowContents();
    if (contents && !contents.isDestroyed()) contents.send(IPC_EVENT_CHANNEL, message);
  });
}
