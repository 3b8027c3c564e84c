import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type * as ElectronModule from 'electron';
import { startApp } from '../../../src/main/app/start-app';
import { IPC_CALL_PREFIX, METHOD_NAMES } from '../../../src/shared/contract-names';
import {
  FakeApp,
  FakeBrowserWindow,
  FakeDialog,
  FakeIpcMain,
  type FakeWebContents,
} from '../../helpers/stand-in-electron';
import { tempDir } from '../../helpers/temp-dir';

type Electron = Parameters<typeof startApp>[0];
const MAIN_DIR = '/opt/rollkeeper/out/main';

function electron(app: FakeApp, ipcMain: FakeIpcMain, dialog = new FakeDialog()): Electron {
  return {
    app: app as unknown as typeof ElectronModule.app,
    BrowserWindow: FakeBrowserWindow as unknown as typeof ElectronModule.BrowserWindow,
    ipcMain: ipcMain as unknown as typeof ElectronModule.ipcMain,
    dialog: dialog as unknown as typeof ElectronModule.dialog,
  };
}

/** An IPC call as Electron would deliver it from `sender`'s top frame. */
function invoke(ipc: FakeIpcMain, method: string, args: unknown, sender: FakeWebContents, url?: string) {
  const handler = ipc.handlers.get(IPC_CALL_PREFIX + method);
  if (!handler) throw new Error(`no handler for ${method}`);
  const frame = url === undefined ? sender.mainFrame : { url };
  return handler({ sender, senderFrame: frame }, args);
}

describe('the Electron shell wiring (stand-in electron)', () => {
  let data: { dir: string; cleanup: () => Promise<void> };
  beforeEach(async () => {
    data = await tempDir();
    FakeBrowserWindow.created = [];
  });
  afterEach(() => data.cleanup());

  it('opens one window with every security default on and the sandboxed preload', async () => {
    const app = new FakeApp(true, data.dir);
    await startApp(electron(app, new FakeIpcMain()), MAIN_DIR, null);
    expect(FakeBrowserWindow.created).toHaveLength(1);
    const [window] = FakeBrowserWindow.created;
    expect(window.options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      preload: path.join(MAIN_DIR, '../preload/index.cjs'),
    });
    expect(window.loadedFile).toBe(path.join(MAIN_DIR, '../renderer/index.html'));
    expect(window.webContents.windowOpenHandler?.()).toEqual({ action: 'deny' });
    let granted: boolean | undefined;
    window.webContents.permissionHandler?.(null, 'media', (ok) => (granted = ok));
    expect(granted).toBe(false);
  });

  it('refuses to navigate the window away from the app', async () => {
    await startApp(electron(new FakeApp(true, data.dir), new FakeIpcMain()), MAIN_DIR, null);
    const contents = FakeBrowserWindow.created[0].webContents;
    let prevented = false;
    contents.emit('will-navigate', { preventDefault: () => (prevented = true) }, 'https://evil.example/');
    expect(prevented).toBe(true);
  });

  it('quits a second instance and focuses the first window instead', async () => {
    const second = new FakeApp(false, data.dir);
    expect(await startApp(electron(second, new FakeIpcMain()), MAIN_DIR, null)).toBeNull();
    expect(second.quitCalled).toBe(true);
    expect(FakeBrowserWindow.created).toHaveLength(0);

    const first = new FakeApp(true, data.dir);
    await startApp(electron(first, new FakeIpcMain()), MAIN_DIR, null);
    first.emit('second-instance');
    expect(FakeBrowserWindow.created[0].focused).toBe(1);
  });

  it('answers the contract over IPC from its own window, keeping settings in userData', async () => {
    const ipc = new FakeIpcMain();
    await startApp(electron(new FakeApp(true, data.dir), ipc), MAIN_DIR, null);
    expect([...ipc.handlers.keys()].sort()).toEqual(METHOD_NAMES.map((m) => IPC_CALL_PREFIX + m).sort());
    const contents = FakeBrowserWindow.created[0].webContents;
    expect(await invoke(ipc, 'app.info', {}, contents)).toMatchObject({
      ok: true,
      result: { dataDir: data.dir, transport: 'electron' },
    });
    expect(await invoke(ipc, 'settings.update', { autoBackup: true }, contents)).toMatchObject({
      ok: true,
      result: { autoBackup: true },
    });
  });

  it("opens the system's folder picker on the app's window, and says when the user cancelled it", async () => {
    const ipc = new FakeIpcMain();
    const dialog = new FakeDialog([
      { canceled: false, filePaths: ['/Volumes/NAS/Photos'] },
      { canceled: true, filePaths: [] },
    ]);
    await startApp(electron(new FakeApp(true, data.dir), ipc, dialog), MAIN_DIR, null);
    const window = FakeBrowserWindow.created[0];
    expect(await invoke(ipc, 'settings.chooseFolder', { current: '/Volumes' }, window.webContents)).toEqual({
      ok: true,
      result: { path: '/Volumes/NAS/Photos' },
    });
    expect(dialog.asked[0]).toMatchObject({
      parent: window,
      options: { defaultPath: '/Volumes', properties: expect.arrayContaining(['openDirectory']) },
    });
    expect(await invoke(ipc, 'settings.chooseFolder', {}, window.webContents)).toEqual({
      ok: true,
      result: { path: null },
    });
    // Not from a stranger: the picker is the app's own.
    const stranger = new FakeBrowserWindow({}).webContents;
    expect(await invoke(ipc, 'settings.chooseFolder', {}, stranger)).toMatchObject({
      ok: false,
      error: { code: 'ipc.untrusted-sender' },
    });
    expect(dialog.asked).toHaveLength(2);
  });

  it('rejects calls with invalid arguments', async () => {
    const ipc = new FakeIpcMain();
    await startApp(electron(new FakeApp(true, data.dir), ipc), MAIN_DIR, null);
    const contents = FakeBrowserWindow.created[0].webContents;
    const reply = await invoke(ipc, 'timeline.page', { limit: 'all' }, contents);
    expect(reply).toMatchObject({ ok: false, error: { code: 'contract.invalid-arguments' } });
  });

  it('rejects calls from any other sender or from a page that is not ours', async () => {
    const ipc = new FakeIpcMain();
    await startApp(electron(new FakeApp(true, data.dir), ipc), MAIN_DIR, null);
    const ours = FakeBrowserWindow.created[0].webContents;
    const stranger = new FakeBrowserWindow({}).webContents;
    stranger.mainFrame.url = ours.mainFrame.url;
    for (const reply of [
      await invoke(ipc, 'app.info', {}, stranger),
      await invoke(ipc, 'app.info', {}, ours, 'https://evil.example/'),
    ]) {
      expect(reply).toMatchObject({ ok: false, error: { code: 'ipc.untrusted-sender' } });
    }
  });
});
