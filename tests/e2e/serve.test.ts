import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveChromium, launchChromium } from '../helpers/browser';
import { startCli } from '../helpers/cli-process';
import { tempDir } from '../helpers/temp-dir';

const SHOTS = path.resolve('test-results/screenshots');

describe.skipIf(!haveChromium())('rollkeeper serve in Chromium', () => {
  let temp: { dir: string; cleanup: () => Promise<void> };
  let cli: Awaited<ReturnType<typeof startCli>>;
  let browser: Browser;
  let url: string;

  beforeAll(async () => {
    temp = await tempDir();
    await mkdir(SHOTS, { recursive: true });
    cli = await startCli(['serve', '--port', '0'], { ROLLKEEPER_DATA_DIR: temp.dir });
    url = String(cli.first.url);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    expect(await cli?.stop()).toBe(0);
    await temp?.cleanup();
  });

  it('prints a loopback URL with a token', () => {
    expect(cli.first.event).toBe('listening');
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+$/);
  });

  it('refuses a request without the token', async () => {
    const bare = url.replace(/\?token=.*$/, '');
    const res = await fetch(bare);
    expect([401, 403]).toContain(res.status);
    const page = await browser.newPage();
    const response = await page.goto(bare);
    expect(response?.status()).toBe(401);
    await expect(page.textContent('body')).resolves.toContain('access token');
    await page.close();
  });

  it('shows the app shell, and the engine answers through the contract', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 760 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(url);
    expect(page.url()).not.toContain('token=');
    await page.getByRole('heading', { name: 'Timeline' }).waitFor();
    await page.getByText('Connect your iPhone with a cable').waitFor();
    await page.getByText(/^v\d+\.\d+\.\d+$/).waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'shell-timeline.png') });

    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByLabel('Backup folder').fill('/media/nas/photos');
    await page.getByLabel(/Back up automatically/).check();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').getByText('Saved.').waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'shell-settings.png') });

    // A reload shows what the engine stored, not what the page remembered.
    await page.reload();
    await page.getByRole('button', { name: 'Settings' }).click();
    await expect.poll(() => page.getByLabel('Backup folder').inputValue()).toBe('/media/nas/photos');
    expect(errors).toEqual([]);
    await page.close();
  });
});
