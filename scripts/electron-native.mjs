#!/usr/bin/env node
// Before `npm start`/`npm run dev`: a build of better-sqlite3 for Electron's ABI, put beside the
// app's bundles (out/native/…) so the copy in node_modules keeps Node's ABI for the CLI and the
// tests. It first tries the prebuilt binary (prebuild-install, as better-sqlite3's own install
// does), then compiles against Electron's headers. Needs the internet once per Electron version.
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const electronVersion = JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')).version;
const target = path.join(root, 'out', 'native', nativeFolderName(electronVersion), 'better_sqlite3.node');

/** node-gyp as npm ships it (npm itself uses it to build native modules). */
function nodeGyp() {
  const npmRoot = execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['root', '-g'], { encoding: 'utf8' });
  return path.join(npmRoot.trim(), 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
}

export function nativeFolderName(version, platform = process.platform, arch = process.arch) {
  return `electron-${version}-${platform}-${arch}`;
}

if (existsSync(target)) process.exit(0);
const work = mkdtempSync(path.join(os.tmpdir(), 'rollkeeper-native-'));
const pkg = path.join(work, 'better-sqlite3');
try {
  const source = path.dirname(require.resolve('better-sqlite3/package.json'));
  cpSync(source, pkg, { recursive: true, filter: (p) => !p.includes(`${path.sep}build${path.sep}`) });
  // Against Electron's headers: drop any `nodedir` meant for Node builds (npm passes its config
  // down as npm_config_*), or node-gyp would quietly build for Node's ABI.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.toLowerCase() !== 'npm_config_nodedir'));
  const run = (cmd, args) => execFileSync(cmd, args, { cwd: pkg, stdio: 'inherit', env });
  try {
    run(process.execPath, [
      require.resolve('prebuild-install/bin.js'),
      '--runtime=electron',
      `--target=${electronVersion}`,
      `--arch=${process.arch}`,
    ]);
  } catch {
    console.log(`No prebuilt better-sqlite3 for Electron ${electronVersion}: compiling it.`);
    run(process.execPath, [
      nodeGyp(),
      'rebuild',
      '--release',
      '--runtime=electron',
      `--target=${electronVersion}`,
      '--dist-url=https://electronjs.org/headers',
    ]);
  }
  mkdirSync(path.dirname(target), { recursive: true });
  copyFileSync(path.join(pkg, 'build', 'Release', 'better_sqlite3.node'), target);
  console.log(`better-sqlite3 for Electron ${electronVersion}: ${path.relative(root, target)}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
