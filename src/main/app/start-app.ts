import type * as ElectronModule from 'electron';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { DeviceWatcher } from '../device/device-watcher';
import { useSqliteBinding } from '../sqlite';
import { Engine } from '../engine';
import { forwardEvents, registerIpc, trustedSender } from './ipc';
import { appLocations, appUrlCheck, loadApp, lockDown, windowOptions } from './window';

type Electron = Pick<typeof ElectronModule, 'app' | 'BrowserWindow' | 'ipcMain' | 'dialog'>;

/**
 * The desktop app's wiring, with Electron passed in so it can be tested in plain Node.
 * One instance only: a second launch focuses the first window.
 */
export async function startApp(
  electron: Electron,
  mainDir: string,
  /** Phones come from usbmuxd by default; tests pass null (no phone) or a watcher on a simulator. */
  watcher: DeviceWatcher | null = new DeviceWatcher(),
): Promise<{ quit: () => Promise<void> } | null> {
  const { app, BrowserWindow, ipcMain, dialog } = electron;
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return null;
  }
  await app.whenReady();
  useSqliteBinding(electronSqliteBinding(mainDir));

  let window: ElectronModule.BrowserWindow | null = null;
  const chooseFolder = async (current?: string): Promise<string | null> => {
    const options: ElectronModule.OpenDialogOptions = {
      title: 'Choose the backup folder',
      buttonLabel: 'Back up here',
      properties: ['openDirectory', 'createDirectory'],
      ...(current ? { defaultPath: current } : {}),
    };
    // Attached to the window (a sheet on macOS), so it cannot get lost behind it.
    const chosen =
      window && !window.isDestroyed()
        ? await dialog.showOpenDialog(window, options)
        : await dialog.showOpenDialog(options);
    return chosen.canceled ? null : (chosen.filePaths[0] ?? null);
  };
  const engine = new Engine({
    dataDir: app.getPath('userData'),
    transport: 'electron',
    watcher: watcher ?? undefined,
    chooseFolder,
  });
  const locations = appLocations(mainDir);
  const isAppUrl = appUrlCheck(locations);
  const contents = () => (window && !window.isDestroyed() ? window.webContents : null);

  const unregister = registerIpc(ipcMain, engine, trustedSender(contents, isAppUrl));
  const stopEvents = forwardEvents(engine, contents);

  const open = async () => {
    window = new BrowserWindow(windowOptions(locations));
    lockDown(window.webContents, isAppUrl);
    window.once('ready-to-show', () => window?.show());
    window.on('closed', () => (window = null));
    await loadApp(window, locations);
  };

  app.on('second-instance', () => {
    if (!window) return void open();
    if (window.isMinimized()) window.restore();
    window.focus();
  });
  app.on('activate', () => {
    if (!window) void open();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  const quit = async () => {
    unregister();
    stopEvents();
    await engine.close();
  };
  app.on('will-quit', () => void quit());
  await open();
  await engine.start();
  return { quit };
}

/**
 * better-sqlite3 built for Electron's ABI by scripts/electron-native.mjs (`npm start` runs it
 * first), beside the bundles: out/native/electron-<version>-<platform>-<arch>/. Undefined when
 * absent (then node_modules' build is tried, which works only if it was built for Electron).
 */
export function electronSqliteBinding(mainDir: string, versions = process.versions): string | undefined {
  if (!versions.electron) return undefined;
  const file = path.join(
    mainDir,
    '..',
    'native',
    `electron-${versions.electron}-${process.platform}-${process.arch}`,
    'better_sqlite3.node',
  );
  return existsSync(file) ? file : undefined;
}
