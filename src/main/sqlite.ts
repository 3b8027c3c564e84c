import Database from 'better-sqlite3';

/**
 * better-sqlite3 is a native module: the copy in node_modules is built for Node's ABI (the CLI,
 * the tests, `serve`). Electron has its own ABI, so the desktop app loads a second build
 * (made by scripts/electron-native.mjs before `npm start`) and says where it is here, once, at
 * start-up. Every database in the engine is opened through `openDatabase`.
 */
let nativeBinding: string | undefined;

export function useSqliteBinding(path: string | undefined): void {
  nativeBinding = path;
}

export function openDatabase(file: string, options: Database.Options = {}): Database.Database {
  return new Database(file, nativeBinding ? { ...options, nativeBinding } : options);
}
