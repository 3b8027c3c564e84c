/**
 * What `open` does about a previous run that died: settle each journal intent without a commit
 * (the process was killed between fsyncing the intent and journaling the commit), and map a
 * location back to a path without ever leaving the root.
 */
import { hashStream } from '../content-hasher';
import { resolveInside } from '../safe-name';
import { META_FOLDER } from './folder-marker';
import type { IndexJournal } from './index-journal';
import type { LocalFs } from './local-fs';
import type { LocalIndex } from './local-index';

/**
 * The absolute path of a location the destination may have written (`2024/05/IMG_0001.JPG`),
 * or null for anything else: empty or `.`/`..` segments, backslashes, NUL, our own state folder.
 */
export function locationPath(root: string, location: string): string | null {
  if (typeof location !== 'string' || location === '' || location.includes('\\') || location.includes('\0')) {
    return null;
  }
  const parts = location.split('/');
  if (parts.some((part) => part === '' || part === '.' || part === '..')) return null;
  if (parts[0]!.toLowerCase() === META_FOLDER) return null;
  return resolveInside(root, location);
}

/**
 * Commit each pending intent whose file reached its final path whole (right size and SHA-256);
 * abandon the others (the rename never happened, or something else sits there).
 */
export async function settlePendingIntents(
  fs: LocalFs,
  root: string,
  index: LocalIndex,
  journal: IndexJournal,
): Promise<void> {
  const pending = [...index.pending.values()];
  index.pending.clear();
  for (const entry of pending) {
    const absolute = locationPath(root, entry.location);
    let landed = false;
    if (absolute) {
      const stats = await fs.lstat(absolute).catch(() => null);
      if (stats?.isFile() && stats.size === entry.size) {
        const { hashes } = await hashStream(await fs.openForRead(absolute));
        landed = hashes.sha256 === entry.hashes.sha256;
      }
    }
    if (landed) index.add(entry);
    await journal.append([{ op: landed ? 'commit' : 'abandon', location: entry.location }], false);
  }
  if (pending.length > 0) await journal.append([], true);
}
