import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ROLL } from '../../src/main/cli/commands/serve';
import { haveChromium, launchChromium } from '../helpers/browser';
import { startCli } from '../helpers/cli-process';
import { tempDir } from '../helpers/temp-dir';

const SHOTS = path.resolve('test-results/screenshots');

describe.skipIf(!haveChromium() || !existsSync(DEMO_ROLL))('rollkeeper serve --demo in Chromium', () => {
  let temp: { dir: string; cleanup: () => Promise<void> };
  let cli: Awaited<ReturnType<typeof startCli>>;
  let browser: Browser;

  beforeAll(async () => {
    temp = await tempDir();
    cli = await startCli(['serve', '--port', '0', '--demo'], {
      ROLLKEEPER_DATA_DIR: temp.dir,
      // The demo must not depend on a real usbmuxd being present or absent.
      USBMUXD_SOCKET_ADDRESS: 'UNIX:/nonexistent/usbmuxd',
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    expect(await cli?.stop()).toBe(0);
    await temp?.cleanup();
  });

  it('shows the simulated iPhone, found through usbmuxd → lockdown → AFC, as ready with its storage', async () => {
    expect(cli.first).toMatchObject({ event: 'listening', demo: true });
    const page = await browser.newPage({ viewport: { width: 1200, height: 760 } });
    await page.goto(String(cli.first.url));
    const phone = page.getByRole('listitem').filter({ hasText: 'Demo iPhone' });
    await phone.getByText('Ready').waitFor({ timeout: 20_000 });
    await expect(phone.textContent()).resolves.toMatch(/iOS \d+/);
    await page.screenshot({ path: path.join(SHOTS, 'demo-phone.png') });
    await page.close();
  });
});
