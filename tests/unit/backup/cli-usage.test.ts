/** `backup`, `status` and `verify` refuse bad input with the right exit code and a clear message. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/main/cli/main';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'rk-cli-backup-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await main([...argv, '--data-dir', path.join(dir, 'data')], {
    stdout,
    stderr,
    env: {},
    signal: new AbortController().signal,
  });
  return { code, stdout: out, stderr: err };
}

describe('rollkeeper backup / status / verify input', () => {
  it.each(['backup', 'status', 'verify'])('%s without --to is bad usage (exit 2)', async (command) => {
    const result = await run(command);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--to DEST is required');
  });

  it('refuses a concurrency out of range', async () => {
    const result = await run('backup', '--to', dir, '--concurrency', '99');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--concurrency takes a whole number from 1 to 16');
  });

  it('names a destination kind it does not know', async () => {
    const result = await run('backup', '--to', 's3://bucket/photos', '--json');
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout.trim().split('\n').at(-1)!)).toMatchObject({
      event: 'error',
      code: 'backup.unknown-destination',
    });
  });

  it('verify refuses a folder that holds no backup, without writing to it', async () => {
    const empty = await mkdtemp(path.join(dir, 'empty-'));
    const result = await run('verify', '--to', empty);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('holds no Rollkeeper backup');
    const { readdir } = await import('node:fs/promises');
    expect(await readdir(empty)).toEqual([]);
  });

  it('takes over the lock a silent computer left on the folder, and says so', async () => {
    const { mkdir, utimes, writeFile } = await import('node:fs/promises');
    const { LocalDestination } = await import('../../../src/main/destinations/local/local-destination');
    const folder = await mkdtemp(path.join(dir, 'nas-'));
    await (await LocalDestination.open(folder)).close();
    // A laptop crashed mid-backup 10 minutes ago (its pid cannot be checked from here).
    const lock = path.join(folder, '.rollkeeper', 'lock');
    await mkdir(path.dirname(lock), { recursive: true });
    const then = Date.now() - 10 * 60_000;
    await writeFile(
      lock,
      JSON.stringify({ host: 'old-laptop', pid: 4242, token: 'x', startedAtMs: then, heartbeatAtMs: then }) + '\n',
    );
    await utimes(lock, new Date(then), new Date(then));
    const result = await run('verify', '--to', folder, '--json');
    expect(result.code, result.stderr).toBe(0);
    const notices = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { event: string; message?: string })
      .filter((e) => e.event === 'notice');
    expect(notices).toHaveLength(1);
    expect(notices[0]!.message).toMatch(/old-laptop/);
  });

  it('status of a missing folder says it is not available', async () => {
    const result = await run('status', '--to', path.join(dir, 'no-such-folder'), '--json');
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout.trim().split('\n').at(-1)!)).toMatchObject({ code: 'destination.unavailable' });
  });
});
