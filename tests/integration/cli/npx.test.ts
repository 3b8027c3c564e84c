import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../helpers/cli-process';

const run = promisify(execFile);

describe('npx rollkeeper, right after npm install', () => {
  it('--help lists the commands', async () => {
    const { stdout } = await run('npx', ['rollkeeper', '--help'], { cwd: ROOT });
    expect(stdout).toContain('Usage: rollkeeper <command>');
    expect(stdout).toContain('serve');
  });

  it('exits 2 on bad usage', async () => {
    await expect(run('npx', ['rollkeeper', 'no-such-command'], { cwd: ROOT })).rejects.toMatchObject({ code: 2 });
  });
});
