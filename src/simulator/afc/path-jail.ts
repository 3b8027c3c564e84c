/**
 * Maps AFC paths onto the simulated media root without ever leaving it. AFC paths are relative
 * to the phone's /var/mobile/Media, with or without a leading slash. `..` may climb inside the
 * root but never above it, a NUL byte is refused, and symbolic links are resolved and checked
 * so a link inside the root cannot point the server at /etc.
 */
import { lstat, realpath } from 'node:fs/promises';
import path from 'node:path';

/** Why a path was refused; the server answers PERM_DENIED or OBJECT_NOT_FOUND. */
export class PathRefusedError extends Error {
  constructor(
    readonly afcPath: string,
    readonly reason: 'escape' | 'nul' | 'not-found',
  ) {
    super(`refused AFC path ${JSON.stringify(afcPath)}: ${reason}`);
  }
}

export class PathJail {
  private realRoot: Promise<string>;

  constructor(readonly root: string) {
    this.realRoot = realpath(root);
  }

  /**
   * The host path for an AFC path, checked lexically only (no symlink resolution): for lstat
   * and for operations on the link itself (remove, rename).
   */
  lexical(afcPath: string): string {
    if (afcPath.includes('\0')) throw new PathRefusedError(afcPath, 'nul');
    const parts: string[] = [];
    for (const part of afcPath.split('/')) {
      if (part === '' || part === '.') continue;
      if (part === '..') {
        if (parts.length === 0) throw new PathRefusedError(afcPath, 'escape');
        parts.pop();
      } else parts.push(part);
    }
    return path.join(this.root, ...parts);
  }

  /**
   * The host path with every symlink resolved, proven to stay inside the root. For a path that
   * does not exist yet (a file to create, a folder to make) the nearest existing ancestor is
   * resolved and checked instead.
   */
  async resolved(afcPath: string): Promise<string> {
    const lexical = this.lexical(afcPath);
    const root = await this.realRoot;
    let existing = lexical;
    const missing: string[] = [];
    for (;;) {
      try {
        const real = await realpath(existing);
        if (real !== root && !real.startsWith(root + path.sep)) throw new PathRefusedError(afcPath, 'escape');
        return path.join(real, ...missing.reverse());
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        // realpath says ENOENT but lstat finds it: a dangling symlink. Creating through it would
        // write wherever it points, so refuse it.
        if (
          await lstat(existing).then(
            () => true,
            () => false,
          )
        )
          throw new PathRefusedError(afcPath, 'escape');
        const parent = path.dirname(existing);
        if (parent === existing || existing === this.root) throw new PathRefusedError(afcPath, 'not-found');
        missing.push(path.basename(existing));
        existing = parent;
      }
    }
  }

  /** The AFC path (leading slash, relative to the root) of a host path inside it. */
  afcPathOf(hostPath: string): string {
    return '/' + path.relative(this.root, hostPath).split(path.sep).join('/');
  }
}
