import type { ParseArgsConfig } from 'node:util';
import { RollkeeperError } from '../../shared/errors';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** What every command gets: parsed global options and the ways to speak to the user. */
export interface CliContext {
  /** `--json`: print NDJSON events, one object a line, the last a summary object. */
  json: boolean;
  /** `--data-dir`, else ROLLKEEPER_DATA_DIR, else the desktop app's folder. */
  dataDir: string;
  /** Cancelled on Ctrl-C / SIGTERM: long commands stop cleanly and say so. */
  signal: AbortSignal;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
  /** A line for a person (suppressed with --json, where events carry the same facts). */
  say(line: string): void;
  /** A machine-readable event: NDJSON on stdout with --json, nothing otherwise. */
  emit(event: { event: string } & Record<string, unknown>): void;
}

export interface ParsedArgs {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
}

/** One `rollkeeper <name>` command. Add a file under commands/ and list it in commands/index.ts. */
export interface Command {
  name: string;
  /** One line for `rollkeeper --help`. */
  summary: string;
  /** The full usage text for `rollkeeper <name> --help`. */
  usage: string;
  options: OptionSpec;
  allowPositionals?: boolean;
  /** Resolves to the exit code: 0 ok, 1 failure (2, bad usage, comes from UsageError). */
  run(args: ParsedArgs, ctx: CliContext): Promise<number>;
}

/** Bad usage: exit code 2, message plus the command's usage. */
export class UsageError extends RollkeeperError {
  override name = 'UsageError';
  constructor(message: string) {
    super('cli.usage', message, 'Run with --help to see the usage.');
  }
}

/** Reads a numeric option, or throws UsageError naming it. */
export function intOption(
  value: unknown,
  name: string,
  { min = 0, max = Number.MAX_SAFE_INTEGER } = {},
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== 'string' || !/^\d+$/.test(value) || n < min || n > max) {
    throw new UsageError(`--${name} takes a whole number from ${min} to ${max}, not "${String(value)}"`);
  }
  return n;
}
