import pkg from '../../package.json' with { type: 'json' };

/** The app's version, from package.json (bundled into the Electron build, read by tsx in the CLI). */
export function version(): string {
  return pkg.version;
}
