/** Every regular file under a root, as `/`-separated relative locations; symlinks are not followed. */
import path from 'node:path';
import type { LocalFs } from './local-fs';

export async function* walkFiles(
  fs: LocalFs,
  root: string,
  skipAtTop: string[],
  signal?: AbortSignal,
): AsyncGenerator<string> {
  const folders: string[] = [''];
  while (folders.length > 0) {
    signal?.throwIfAborted();
    const folder = folders.pop()!;
    const names = await fs.readdir(path.join(root, ...folder.split('/')));
    for (const name of names) {
      if (folder === '' && skipAtTop.includes(name)) continue;
      const location = folder === '' ? name : `${folder}/${name}`;
      const stats = await fs.lstat(path.join(root, ...location.split('/')));
      if (stats.isDirectory()) folders.push(location);
      else if (stats.isFile()) yield location;
    }
  }
}
