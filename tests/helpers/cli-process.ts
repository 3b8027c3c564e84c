import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export const ROOT = new URL('../../', import.meta.url).pathname;

/**
 * Starts `rollkeeper <args> --json` (the package's bin, which `npx rollkeeper` runs) and resolves
 * on its first event line. Run directly, not through npx, so a test sees our own exit code.
 */
export async function startCli(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ child: ChildProcess; first: Record<string, unknown>; stop: () => Promise<number | null> }> {
  const child = spawn(process.execPath, ['bin/rollkeeper.js', ...args, '--json'], {
    cwd: ROOT,
    env: { ...process.env, ...env },
  });
  let stderr = '';
  child.stderr?.on('data', (c) => (stderr += c));
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<Record<string, unknown>>((resolve, reject) => {
    lines.once('line', (line) => resolve(JSON.parse(line) as Record<string, unknown>));
    child.once('exit', (code) => reject(new Error(`rollkeeper exited ${code}: ${stderr}`)));
  });
  const stop = () =>
    new Promise<number | null>((resolve) => {
      if (child.exitCode !== null) return resolve(child.exitCode);
      child.once('exit', (code) => resolve(code));
      child.kill('SIGTERM');
    });
  return { child, first, stop };
}
