/**
 * The local destination's trash: `.rollkeeper/trash/<YYYY-MM-DD>/<original location>`. A move
 * within one file system (a rename), so trashing a 4 GB video costs nothing. Emptying it is the
 * user's call (or a later retention setting); Rollkeeper never purges it on its own.
 */
import path from 'node:path';
import { splitName } from '../safe-name';
import { errnoOf } from './fs-errors';
import type { LocalFs } from './local-fs';

/** Move the file at `location` (relative to `root`) into `trashRoot`; returns where it went. */
export async function moveToTrash(fs: LocalFs, root: string, trashRoot: string, location: string): Promise<string> {
  const day = new Date().toISOString().slice(0, 10);
  const target = path.join(trashRoot, day, ...location.split('/'));
  await fs.mkdir(path.dirname(target), { recursive: true });
  const { stem, extension } = splitName(path.basename(target));
  for (let n = 0; ; n += 1) {
    const candidate = n === 0 ? target : path.join(path.dirname(target), `${stem} (${n})${extension}`);
    try {
      await fs.lstat(candidate);
      continue; // an earlier trashing of the same name today
    } catch (error) {
      if (errnoOf(error) !== 'ENOENT') throw error;
    }
    await fs.rename(path.join(root, ...location.split('/')), candidate);
    return candidate;
  }
}
