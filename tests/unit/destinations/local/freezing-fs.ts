/**
 * A LocalFs that stops answering after a given number of calls: every later call returns a
 * promise that never settles. To the destination that is exactly a process killed at that
 * step: what reached the kernel stays, nothing after it happens.
 */
import type { LocalFs, WritableFile } from '../../../../src/main/destinations/local/local-fs';

export function freezingFs(
  inner: LocalFs,
  allowedCalls: number,
): { fs: LocalFs; whenFrozen: Promise<void>; isFrozen: () => boolean; closeLeftovers: () => Promise<void> } {
  const openFiles = new Set<WritableFile>();
  const openReads = new Set<AsyncIterable<Uint8Array>>();
  let calls = 0;
  let frozen = false;
  let onFrozen!: () => void;
  const whenFrozen = new Promise<void>((resolve) => (onFrozen = resolve));

  function step<T>(call: () => Promise<T>): Promise<T> {
    if (frozen || calls >= allowedCalls) {
      if (!frozen) {
        frozen = true;
        onFrozen();
      }
      return new Promise<T>(() => undefined);
    }
    calls += 1;
    return call();
  }
  function wrapFile(file: WritableFile): WritableFile {
    openFiles.add(file);
    return {
      write: (data) => step(() => file.write(data)),
      sync: () => step(() => file.sync()),
      close: () =>
        step(() => {
          openFiles.delete(file);
          return file.close();
        }),
    };
  }

  const fs: LocalFs = {
    stat: (p) => step(() => inner.stat(p)),
    lstat: (p) => step(() => inner.lstat(p)),
    mkdir: (p, o) => step(() => inner.mkdir(p, o)),
    readdir: (p) => step(() => inner.readdir(p)),
    rename: (a, b) => step(() => inner.rename(a, b)),
    unlink: (p) => step(() => inner.unlink(p)),
    rm: (p, o) => step(() => inner.rm(p, o)),
    realpath: (p) => step(() => inner.realpath(p)),
    truncate: (p, l) => step(() => inner.truncate(p, l)),
    utimes: (p, a, m) => step(() => inner.utimes(p, a, m)),
    readFile: (p, e) => step(() => inner.readFile(p, e)),
    statfs: (p) => step(() => inner.statfs(p)),
    openForWrite: (p, m) => step(async () => wrapFile(await inner.openForWrite(p, m))),
    openForRead: (p, s) =>
      step(async () => {
        const body = await inner.openForRead(p, s);
        openReads.add(body);
        return body;
      }),
    syncDirectory: (p) => step(() => inner.syncDirectory(p)),
  };
  /** Close what the "dead" process left open (the OS would, at exit). */
  async function closeLeftovers(): Promise<void> {
    for (const file of openFiles) await file.close().catch(() => undefined);
    for (const body of openReads) (body as { destroy?: () => void }).destroy?.();
    openFiles.clear();
    openReads.clear();
  }
  return { fs, whenFrozen, isFrozen: () => frozen, closeLeftovers };
}
