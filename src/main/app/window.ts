import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserWindow, BrowserWindowConstructorOptions, WebContents } from 'electron';

/** Where the bundles are, relative to the built main (out/main/index.js). */
export interface AppLocations {
  preload: string;
  rendererIndex: string;
  /** Set by `electron-vite dev`: the renderer comes from the Vite dev server. */
  devServerUrl?: string;
}

export function appLocations(mainDir: string, env: NodeJS.ProcessEnv = process.env): AppLocations {
  return {
    preload: path.join(mainDir, '../preload/index.cjs'),
    rendererIndex: path.join(mainDir, '../renderer/index.html'),
    devServerUrl: env.ELECTRON_RENDERER_URL,
  };
}

/** The window's settings: every security default on, nothing of Node in the page. */
export function windowOptions(locations: AppLocations): BrowserWindowConstructorOptions {
  return {
    width: 1200,
    height: 800,
    minWidth: 720,
    minHeight: 480,
    title: 'Rollkeeper',
    show: false,
    webPreferences: {
      preload: locations.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  };
}

/** True for our own page only: the built index.html, or the dev server in development. */
export function appUrlCheck(locations: AppLocations): (url: string) => boolean {
  const fileUrl = pathToFileURL(locations.rendererIndex).href;
  return (url) => {
    if (locations.devServerUrl && url.startsWith(new URL('/', locations.devServerUrl).href)) return true;
    return url === fileUrl || url.startsWith(`${fileUrl}#`) || url.startsWith(`${fileUrl}?`);
  };
}

/**
 * Locks the page in: no new windows, no navigation away, no permission grants (camera,
 * notifications …): a page that somehow loaded foreign content still gets nothing.
 */
export function lockDown(contents: WebContents, isAppUrl: (url: string) => boolean): void {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
}

export async function loadApp(window: BrowserWindow, locations: AppLocations): Promise<void> {
  if (locations.devServerUrl) await window.loadURL(locations.devServerUrl);
  else await window.loadFile(locations.rendererIndex);
}
