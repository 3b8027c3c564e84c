import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type Settings, settingsSchema } from '../../shared/contract';
import { RollkeeperError } from '../../shared/errors';

export const DEFAULT_SETTINGS: Settings = { destination: null, autoBackup: false, concurrency: 4 };

export class SettingsFileError extends RollkeeperError {
  override name = 'SettingsFileError';
  constructor(file: string, detail: string) {
    super(
      'settings.unreadable',
      `The settings file ${file} could not be read: ${detail}`,
      'Fix or delete the file; Rollkeeper starts with default settings when it is missing.',
    );
  }
}

/**
 * Settings as a small JSON file in the data folder. Written to a temp file and renamed, so a
 * crash never leaves half a file; mode 0600 because it may name private folders.
 */
export class SettingsStore {
  readonly file: string;
  constructor(dataDir: string) {
    this.file = path.join(dataDir, 'settings.json');
  }

  async get(): Promise<Settings> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { ...DEFAULT_SETTINGS };
      throw new SettingsFileError(this.file, (error as Error).message);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new SettingsFileError(this.file, 'it is not valid JSON');
    }
    const parsed = settingsSchema.safeParse({ ...DEFAULT_SETTINGS, ...(json as object) });
    if (!parsed.success) throw new SettingsFileError(this.file, parsed.error.issues[0]?.message ?? 'invalid');
    return parsed.data;
  }

  async update(patch: Partial<Settings>): Promise<Settings> {
    const next = settingsSchema.parse({ ...(await this.get()), ...patch });
    await mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
    await rename(tmp, this.file);
    return next;
  }
}
