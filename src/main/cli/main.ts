import { parseArgs } from 'node:util';
import { serializeError } from '../../shared/errors';
import { defaultDataDir } from '../app-paths';
import { version } from '../version';
import { type CliContext, type Command, type OptionSpec, UsageError } from './command';
import { commands } from './commands/index';

const GLOBAL_OPTIONS: OptionSpec = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
  json: { type: 'boolean' },
  'data-dir': { type: 'string' },
};

export function generalHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'rollkeeper: back up an iPhone camera roll over the cable, fast and verified.',
    '',
    'Usage: rollkeeper <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Global options:',
    '  --json            machine-readable output: NDJSON events, the last line a summary',
    '  --data-dir DIR    where the catalog and settings live (env ROLLKEEPER_DATA_DIR;',
    "                    default: the desktop app's folder)",
    '  -h, --help        help for rollkeeper or for one command',
    '  -v, --version     print the version',
    '',
    'Exit codes: 0 ok, 1 failure, 2 bad usage.',
    'Run "rollkeeper <command> --help" for the options of one command.',
  ].join('\n');
}

interface Io {
  stdout: CliContext['stdout'];
  stderr: CliContext['stderr'];
  env: NodeJS.ProcessEnv;
  /** Aborted on SIGINT/SIGTERM in the real process; tests pass their own. */
  signal?: AbortSignal;
}

/** Runs one CLI invocation and resolves to its exit code. Never throws. */
export async function main(argv: string[], io: Partial<Io> = {}): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const env = io.env ?? process.env;
  const [first, ...rest] = argv;
  const command = commands.find((c) => c.name === first);

  if (!command) {
    const { values } = safeParse(argv, GLOBAL_OPTIONS, false);
    if (values?.version) return (print(stdout, version()), 0);
    if (first === undefined || first === 'help' || values?.help) return (print(stdout, generalHelp()), 0);
    print(stderr, `rollkeeper: unknown command "${first}"\n\n${generalHelp()}`);
    return 2;
  }

  const parsed = safeParse(rest, { ...GLOBAL_OPTIONS, ...command.options }, command.allowPositionals ?? false);
  if (parsed.error) {
    print(stderr, `rollkeeper ${command.name}: ${parsed.error}\n\n${command.usage}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) return (print(stdout, command.usage), 0);

  const json = values.json === true;
  const controller = new AbortController();
  const onSignal = () => controller.abort(new Error('cancelled'));
  if (!io.signal) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  } else {
    io.signal.addEventListener('abort', onSignal, { once: true });
  }
  const ctx: CliContext = {
    json,
    dataDir: typeof values['data-dir'] === 'string' ? values['data-dir'] : defaultDataDir(env),
    signal: controller.signal,
    stdout,
    stderr,
    say: (line) => {
      if (!json) print(stdout, line);
    },
    emit: (event) => {
      if (json) print(stdout, JSON.stringify(event));
    },
  };
  try {
    return await command.run({ values, positionals }, ctx);
  } catch (error) {
    if (error instanceof UsageError) {
      print(stderr, `rollkeeper ${command.name}: ${error.message}\n\n${command.usage}`);
      return 2;
    }
    const e = serializeError(error);
    if (json) print(stdout, JSON.stringify({ event: 'error', ...e }));
    print(stderr, `rollkeeper ${command.name}: ${e.message}${e.hint ? `\n${e.hint}` : ''}`);
    return 1;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

function safeParse(args: string[], options: OptionSpec, allowPositionals: boolean) {
  try {
    const { values, positionals } = parseArgs({ args, options, allowPositionals, strict: true });
    return { values: values as Record<string, string | boolean | undefined>, positionals, error: undefined };
  } catch (error) {
    return {
      values: {} as Record<string, string | boolean | undefined>,
      positionals: [],
      error: (error as Error).message,
    };
  }
}

function print(stream: NodeJS.WritableStream, text: string): void {
  stream.write(text.endsWith('\n') ? text : `${text}\n`);
}

export type { Command };
