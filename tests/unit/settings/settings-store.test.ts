import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, SettingsStore } from '../../../src/main/settings/settings-store';
import { tempDir } from '../../helpers/temp-dir';

describe('SettingsStore', () => {
  let dir: { dir: string; cleanup: () => Promise<void> };
  beforeEach(async () => (dir = await tempDir()));
  afterEach(() => dir.cleanup());

  it('starts with defaults and keeps what the user saves, in a 0600 file', async () => {
    const store = new SettingsStore(path.join(dir.dir, 'nested'));
    expect(await store.get()).toEqual(DEFAULT_SETTINGS);
    await store.update({ autoBackup: true, destination: { type: 'local', path: '/photos' } });
    const again = new SettingsStore(path.join(dir.dir, 'nested'));
    expect(await again.get()).toMatchObject({ autoBackup: true, destination: { path: '/photos' } });
    expect((await stat(again.file)).mode & 0o777).toBe(0o600);
  });

  it('names the file and what to do when it is damaged', async () => {
    const store = new SettingsStore(dir.dir);
    await writeFile(store.file, '{ not json');
    await expect(store.get()).rejects.toMatchObject({
      code: 'settings.unreadable',
      hint: expect.stringContaining('delete'),
    });
    expect(await readFile(store.file, 'utf8')).toBe('{ not json');
  });
});
