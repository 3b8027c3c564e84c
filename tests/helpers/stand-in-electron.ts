import { EventEmitter } from 'node:events';
import type { BrowserWindowConstructorOptions, OpenDialogOptions, OpenDialogReturnValue } from 'electron';

/**
 * A stand-in for the parts of Electron the app's wiring touches, so the wiring runs in plain
 * Node: it records what the app asked for and lets a test play the roles of pages and senders.
 */
export class FakeWebContents extends EventEmitter {
  readonly mainFrame = { url: '' };
  windowOpenHandler?: () => { action: string };
  permissionHandler?: (c: unknown, p: string, cb: (ok: boolean) => void) => void;
  sent: { channel: string; message: unknown }[] = [];
  readonly session = {
    setPermissionRequestHandler: (h: FakeWebContents['permissionHandler']) => (this.permissionHandler = h),
  };
  setWindowOpenHandler(h: () => { action: string }) {
    this.windowOpenHandler = h;
  }
  isDestroyed() {
    return false;
  }
  send(channel: string, message: unknown) {
    this.sent.push({ channel, message });
  }
}

export class FakeBrowserWindow extends EventEmitter {
  static created: FakeBrowserWindow[] = [];
  readonly webContents = new FakeWebContents();
  loadedFile?: string;
  focused = 0;
  constructor(readonly options: BrowserWindowConstructorOptions) {
    super();
    FakeBrowserWindow.created.push(this);
  }
  async loadFile(file: string) {
    this.loadedFile = file;
    this.webContents.mainFrame.url = new URL(`file://${file}`).href;
  }
  async loadURL(url: string) {
    this.webContents.mainFrame.url = url;
  }
  isDestroyed() {
    return false;
  }
  isMinimized() {
    return false;
  }
  restore() {}
  focus() {
    this.focused++;
  }
  show() {}
}

export class FakeIpcMain {
  readonly handlers = new Map<string, (event: unknown, args: unknown) => Promise<unknown>>();
  handle(channel: string, handler: (event: unknown, args: unknown) => Promise<unknown>) {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, handler);
  }
  removeHandler(channel: string) {
    this.handlers.delete(channel);
  }
}

/** Electron's dialog: answers each showOpenDialog with the next of `answers`, recording what was asked. */
export class FakeDialog {
  asked: { parent: unknown; options: OpenDialogOptions }[] = [];
  constructor(private readonly answers: OpenDialogReturnValue[] = []) {}
  async showOpenDialog(parentOrOptions: unknown, maybeOptions?: OpenDialogOptions): Promise<OpenDialogReturnValue> {
    const [parent, options] =
      maybeOptions === undefined ? [null, parentOrOptions as OpenDialogOptions] : [parentOrOptions, maybeOptions];
    this.asked.push({ parent, options });
    return this.answers.shift() ?? { canceled: true, filePaths: [] };
  }
}

export class FakeApp extends EventEmitter {
  quitCalled = false;
  constructor(
    private readonly gotLock: boolean,
    private readonly userData: string,
  ) {
    super();
  }
  requestSingleInstanceLock() {
    return this.gotLock;
  }
  async whenReady() {}
  getPath(name: string) {
    if (name !== 'userData') throw new Error(`unexpected getPath(${name})`);
    return this.userData;
  }
  quit() {
    this.quitCalled = true;
  }
}
