import { PassThrough } from 'node:stream';
import { main } from '../../src/main/cli/main';

/** Runs one `rollkeeper` invocation in-process and collects its exit code, stdout and stderr. */
export async function runCli(
  argv: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => (out += c));
  stderr.on('data', (c) => (err += c));
  const code = await main(argv, { stdout, stderr, env, signal: new AbortController().signal });
  return { code, out, err };
}
