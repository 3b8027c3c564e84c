import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
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

  it("fills the timeline from the phone's library: every month of the roll with its count", async () => {
    // The generator's manifest is the truth: each asset's local month (UTC + the offset it was taken in).
    const manifest = JSON.parse(readFileSync(path.join(DEMO_ROLL, 'rollkeeper-manifest.json'), 'utf8')) as {
      assets: { captureTime: { utcMs: number; offsetMinutes: number | null } | null }[];
    };
    const expected = new Map<string, number>();
    for (const { captureTime: t } of manifest.assets) {
      if (!t) continue;
      const month = new Date(t.utcMs + (t.offsetMinutes ?? 0) * 60_000).toISOString().slice(0, 7);
      expected.set(month, (expected.get(month) ?? 0) + 1);
    }
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(String(cli.first.url));
    const rows = page.locator('.months > li');
    await expect.poll(() => rows.count(), { timeout: 20_000 }).toBe(expected.size);
    const shown = new Map<string, number>();
    for (const row of await rows.all()) {
      const month = await row.getAttribute('data-month');
      const count = Number(/^(\d+) items?$/.exec((await row.locator('.month .muted').textContent()) ?? '')?.[1]);
      shown.set(month ?? '', count);
    }
    expect(shown).toEqual(expected);
    await page.screenshot({ path: path.join(SHOTS, 'demo-timeline.png'), fullPage: true });
    await page.close();
  });

  it('backs the phone up from the UI: every file of the roll arrives byte-identical', async () => {
    const manifest = JSON.parse(readFileSync(path.join(DEMO_ROLL, 'rollkeeper-manifest.json'), 'utf8')) as {
      assets: { resources: { path: string; sha256: string }[] }[];
    };
    const expected = new Set(manifest.assets.flatMap((a) => a.resources.map((r) => r.sha256)));
    const folder = path.join(temp.dir, 'backup');
    await mkdir(folder);

    const page = await browser.newPage({ viewport: { width: 1200, height: 760 } });
    await page.goto(String(cli.first.url));
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByLabel('Backup folder').fill(folder);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').getByText('Saved.').waitFor();

    // August 2022 of the demo roll: IMG_0017 is on the phone, IMG_0018's original is only in iCloud.
    await page.getByRole('button', { name: 'Timeline' }).click();
    await page.locator('[data-month="2022-08"] button.month').click();
    const august = page.getByRole('list', { name: 'Photos of 2022-08' });
    const badgeOf = (name: string) => august.getByRole('listitem').filter({ hasText: name }).locator('.badge');
    await expect.poll(() => badgeOf('IMG_0017.HEIC').textContent()).toBe('Not backed up');
    await expect.poll(() => badgeOf('IMG_0018.HEIC').textContent()).toBe('Only in iCloud');
    await page.screenshot({ path: path.join(SHOTS, 'demo-badges-before.png') });

    const phone = page.getByRole('listitem').filter({ hasText: 'Demo iPhone' });
    await phone.getByRole('button', { name: 'Back up now' }).click();
    // Either it finishes, or the card says why not: fail with that message rather than a timeout.
    const outcome = phone.getByText(/^Backed up/).or(phone.getByRole('alert'));
    await outcome.waitFor({ timeout: 45_000 }).catch(async (error: unknown) => {
      await page.screenshot({ path: path.join(SHOTS, 'demo-backup-stuck.png') });
      throw error;
    });
    await page.screenshot({ path: path.join(SHOTS, 'demo-backed-up.png') });
    expect(await phone.getByRole('alert').count(), (await phone.textContent()) ?? '').toBe(0);
    // The card says what the run did: one new copy per distinct content on the phone.
    const onPhone = new Set(
      manifest.assets
        .flatMap((a) => a.resources.filter((r) => existsSync(path.join(DEMO_ROLL, r.path))))
        .map((r) => r.sha256),
    );
    const said = (await outcome.textContent()) ?? '';
    expect(said).toMatch(new RegExp(`^Backed up: ${onPhone.size} files copied \\(\\d+(\\.\\d)? [KMG]?B\\)\\.$`));
    // The badges tell the truth once the copies are verified: none on what is backed up.
    await expect.poll(() => badgeOf('IMG_0017.HEIC').count()).toBe(0);
    await expect.poll(() => badgeOf('IMG_0018.HEIC').textContent()).toBe('Only in iCloud');
    await expect(august.locator('[data-badge="not-backed-up"]').count()).resolves.toBe(0);
    await page.screenshot({ path: path.join(SHOTS, 'demo-badges-after.png') });
    await page.close();

    // What is in the folder (outside Rollkeeper's own .rollkeeper/), hashed from disk.
    const stored = new Set<string>();
    for (const entry of await readdir(folder, { recursive: true, withFileTypes: true })) {
      const file = path.join(entry.parentPath, entry.name);
      if (!entry.isFile() || path.relative(folder, file).startsWith('.rollkeeper')) continue;
      stored.add(
        createHash('sha256')
          .update(await readFile(file))
          .digest('hex'),
      );
    }
    for (const sha of onPhone) expect(stored.has(sha)).toBe(true);
    for (const sha of stored) expect(expected.has(sha)).toBe(true);
  });
});
