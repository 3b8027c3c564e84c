/**
 * The marker that makes a folder a Rollkeeper destination: `.rollkeeper/destination.json` with a
 * format number and an id. Its absence in a folder the catalog knows is how an unmounted share
 * (an empty mount point) is told apart from a backup folder.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { DestinationIoError, DestinationUnavailableError } from '../errors';
import { errnoOf, toDestinationError } from './fs-errors';
import type { LocalFs } from './local-fs';

/** The folder inside the destination that holds our own state; never a backup location. */
export const META_FOLDER = '.rollkeeper';
const MARKER_FILE = 'destination.json';
const MARKER_FORMAT = 1;

/** Throws DestinationUnavailableError unless `root` is an existing folder: a missing root is never created. */
export async function assertFolderPresent(fs: LocalFs, root: string): Promise<void> {
  let stats;
  try {
    stats = await fs.stat(root);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT' || errnoOf(error) === 'ENOTDIR') {
      throw new DestinationUnavailableError(
        root,
        'the folder does not exist. Is the drive connected or the network share mounted?',
        {
          cause: error,
        },
      );
    }
    throw toDestinationError(error, root);
  }
  if (!stats.isDirectory()) throw new DestinationUnavailableError(root, 'it is not a folder.');
}

/** The destination id from the marker, null when the folder holds no Rollkeeper backup yet. */
export async function readMarker(fs: LocalFs, root: string): Promise<string | null> {
  let text: string;
  try {
    text = await fs.readFile(path.join(root, META_FOLDER, MARKER_FILE), 'utf8');
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return null;
    throw error;
  }
  let marker: { format?: unknown; id?: unknown };
  try {
    marker = JSON.parse(text) as typeof marker;
  } catch {
    throw new DestinationIoError(root, `${META_FOLDER}/${MARKER_FILE} is damaged.`);
  }
  if (typeof marker.format !== 'number' || marker.format > MARKER_FORMAT) {
    throw new DestinationIoError(root, 'it was written by a newer Rollkeeper. Update Rollkeeper to use it.');
  }
  return typeof marker.id === 'string' ? marker.id : '';
}

/** Make `.rollkeeper/` and its marker (atomically); returns the new destination id. */
export async function writeMarker(fs: LocalFs, root: string): Promise<string> {
  const meta = path.join(root, META_FOLDER);
  const id = randomUUID();
  await fs.mkdir(meta, { recursive: true });
  const temp = path.join(meta, `${MARKER_FILE}.${id}.tmp`);
  const file = await fs.openForWrite(temp, 'exclusive');
  try {
    const text =
      JSON.stringify({ format: MARKER_FORMAT, id, createdAtMs: Date.now(), app: 'Rollkeeper' }, null, 2) + '\n';
    await file.write(Buffer.from(text, 'utf8'));
    await file.sync();
  } finally {
    await file.close();
  }
  await fs.rename(temp, path.join(meta, MARKER_FILE));
  await fs.syncDirectory(meta);
  return id;
}
