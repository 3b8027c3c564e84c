import { describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/run-cli';
import { commands } from '../../../src/main/cli/commands/index';
import { version } from '../../../src/main/version';

const run = (argv: string[]) => runCli(argv, { ROLLKEEPER_DATA_DIR: '/nonexistent' });

describe('rollkeeper CLI', () => {
  it('lists every command in --help', async () => {
    const { code, out } = await run(['--help']);
    expect(code).toBe(0);
    for (const c of commands) expect(out).toContain(c.name);
    expect(out).toContain('--json');
    expect(out).toContain('--data-dir');
  });

  it('prints the version', async () => {
    expect(await run(['--version'])).toMatchObject({ code: 0, out: `${version()}\n` });
  });

  it('exits 2 with the usage on an unknown command or option', async () => {
    const unknown = await run(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('unknown command "frobnicate"');
    const badOption = await run(['serve', '--prot', '80']);
    expect(badOption.code).toBe(2);
    expect(badOption.err).toContain('Usage: rollkeeper serve');
    const badPort = await run(['serve', '--port', 'eighty']);
    expect(badPort.code).toBe(2);
    expect(badPort.err).toContain('--port takes a whole number');
  });

  it("shows one command's help", async () => {
    const { code, out } = await run(['serve', '--help']);
    expect(code).toBe(0);
    expect(out).toContain('--host');
  });
});
