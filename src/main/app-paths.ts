import os from 'node:os';
import path from 'node:path';

/** The product name Electron uses for its userData folder (package.json `productName`). */
export const APP_FOLDER_NAME = 'Rollkeeper';

/**
 * The folder that holds the catalog and settings: the same one Electron's
 * `app.getPath('userData')` gives the desktop app, so the CLI and the app share one catalog.
 * `ROLLKEEPER_DATA_DIR` overrides it (tests, portable installs).
 */
export function defaultDataDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = os.homedir(),
): string {
  if (env.ROLLKEEPER_DATA_DIR) return path.resolve(env.ROLLKEEPER_DATA_DIR);
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', APP_FOLDER_NAME);
  if (platform === 'win32') {
    return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), APP_FOLDER_NAME);
  }
  return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), APP_FOLDER_NAME);
}
