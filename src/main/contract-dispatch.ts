import { serializeError, RollkeeperError } from '../shared/errors';
import { type EngineApi, type MethodName, methods, type Reply } from '../shared/contract';

/** A call whose arguments do not match the contract. */
export class InvalidArgumentsError extends RollkeeperError {
  override name = 'InvalidArgumentsError';
  constructor(method: string, detail: string) {
    super('contract.invalid-arguments', `Invalid arguments for ${method}: ${detail}`);
  }
}

/** A call name that is not in the contract. */
export class UnknownMethodError extends RollkeeperError {
  override name = 'UnknownMethodError';
  constructor(method: string) {
    super('contract.unknown-method', `Unknown call "${method.slice(0, 80)}"`);
  }
}

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && Object.hasOwn(methods, name);
}

/**
 * The one entry point both transports use: checks the name, validates the arguments with the
 * contract's schema, calls the engine, and wraps the outcome in a Reply. Never throws.
 */
export async function dispatch(engine: EngineApi, method: unknown, rawArgs: unknown): Promise<Reply> {
  try {
    if (!isMethodName(method)) throw new UnknownMethodError(String(method));
    const parsed = methods[method].args.safeParse(rawArgs ?? {});
    if (!parsed.success) {
      const detail = parsed.error.issues.map((i) => `${i.path.join('.') || '(arguments)'}: ${i.message}`).join('; ');
      throw new InvalidArgumentsError(method, detail);
    }
    const call = engine[method] as (args: unknown) => Promise<unknown>;
    return { ok: true, result: await call.call(engine, parsed.data) };
  } catch (error) {
    return { ok: false, error: serializeError(error) };
  }
}
