/**
 * A LocalFs that behaves like APFS, NTFS or an SMB share: names that differ only in case or in
 * Unicode normalisation are the same file. Built over the real (case-sensitive) file system by
 * remembering, per folded path, the spelling that was created first; a later create with another
 * spelling lands on that same file, exactly the overwrite a careless namer would cause there.
 */
import path from 'node:path';
import { collisionKey } from '../../../../src/main/destinations/safe-name';
import type { LocalFs } from '../../../../src/main/destinations/local/local-fs';

export function foldingFs(inner: LocalFs): LocalFs {
  const spelling = new Map<string, string>();
  const fold = (p: string) => collisionKey(path.resolve(p));
  /** The path as the "disk" knows it: the first spelling of each folded path. */
  const real = (p: string) => spelling.get(fold(p)) ?? p;
  const create = (p: string) => {
    const key = fold(p);
    if (!spelling.has(key)) spelling.set(key, path.resolve(p));
    return spelling.get(key)!;
  };
  const forget = (p: string) => spelling.delete(fold(p));

  return {
    ...inner,
    stat: (p) => inner.stat(real(p)),
    lstat: (p) => inner.lstat(real(p)),
    mkdir: async (p, options) => {
      const parts = path.resolve(p).split(path.sep);
      for (let i = 2; i <= parts.length; i += 1) create(parts.slice(0, i).join(path.sep));
      return inner.mkdir(real(p), options);
    },
    readdir: (p) => inner.readdir(real(p)),
    realpath: (p) => inner.realpath(real(p)),
    rename: async (from, to) => {
      const source = real(from);
      forget(from);
      await inner.rename(source, create(to));
    },
    unlink: async (p) => {
      await inner.unlink(real(p));
      forget(p);
    },
    utimes: (p, a, m) => inner.utimes(real(p), a, m),
    truncate: (p, length) => inner.truncate(real(p), length),
    readFile: (p, encoding) => inner.readFile(real(p), encoding),
    openForWrite: (p, mode) => inner.openForWrite(create(p), mode),
    openForRead: (p, signal) => inner.openForRead(real(p), signal),
    syncDirectory: (p) => inner.syncDirectory(real(p)),
  };
}
