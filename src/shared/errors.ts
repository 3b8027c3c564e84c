/**
 * Errors that cross the engine contract. Every error a user can meet carries a stable `code`
 * (the UI and the CLI switch on it) and a `hint`: one sentence telling the user what to do.
 * Subsystems (device, catalog, backup…) subclass it; nothing here imports anything.
 */
export class RollkeeperError extends Error {
  override name = 'RollkeeperError';
  constructor(
    /** Stable machine-readable code, e.g. `device.locked`, `afc.object-not-found`. */
    readonly code: string,
    message: string,
    /** What the user should do about it, in plain words; empty when nothing can be done. */
    readonly hint = '',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** The shape that crosses a transport (IPC, WebSocket, NDJSON). */
  toJSON(): SerializedError {
    return { code: this.code, message: this.message, hint: this.hint };
  }
}

export interface SerializedError {
  code: string;
  message: string;
  hint: string;
}

/** Any thrown value as a SerializedError, without leaking stacks or secrets. */
export function serializeError(error: unknown): SerializedError {
  if (error instanceof RollkeeperError) return error.toJSON();
  if (error instanceof Error) return { code: 'internal', message: error.message, hint: '' };
  return { code: 'internal', message: String(error), hint: '' };
}
