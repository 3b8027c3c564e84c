import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { electronSqliteBinding } from '../../src/main/app/start-app';
import { openDatabase, useSqliteBinding } from '../../src/main/sqlite';
import { tempDir } from '../helpers/temp-dir';

const require = createRequire(import.meta.url);
const nodeBuild = path.join(
  path.dirname(require.resolve('better-sqlite3/package.json')),
  'build/Release/better_sqlite3.node',
);

describe('which better-sqlite3 build the engine loads', () => {
  afterEach(() => useSqliteBinding(undefined));

  it('uses the build it is told to (the desktop app names its Electron build)', () => {
    useSqliteBinding(nodeBuild);
    const db = openDatabase(':memory:');
    expect(db.prepare('select 1 + 1 as two').get()).toEqual({ two: 2 });
    db.close();
    useSqliteBinding('/nonexistent/better_sqlite3.node');
    expect(() => openDatabase(':memory:')).toThrow();
  });

  it('finds the Electron build beside the bundles only inside Electron, and only when it was made', async () => {
    const temp = await tempDir();
    const mainDir = path.join(temp.dir, 'out', 'main');
    const versions = { ...process.versions, electron: '41.7.1' };
    expect(electronSqliteBinding(mainDir, versions)).toBeUndefined();
    const folder = path.join(temp.dir, 'out', 'native', `electron-41.7.1-${process.platform}-${process.arch}`);
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, 'better_sqlite3.node'), '');
    expect(electronSqliteBinding(mainDir, versions)).toBe(path.join(folder, 'better_sqlite3.node'));
    expect(electronSqliteBinding(mainDir, process.versions)).toBeUndefined();
    await temp.cleanup();
  });
});
