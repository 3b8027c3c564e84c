/**
 * A DEST argument (`--to`) to an open destination, registered in the catalog. Today a folder
 * path (the local destination); `s3://…` and `jotta:…` will come with their destinations.
 */
import path from 'node:path';
import type { Catalog } from '../catalog/database';
import type { Destination } from '../destinations/destination';
import { LocalDestination } from '../destinations/local/local-destination';
import { UnknownDestinationError } from './errors';

export interface OpenedDestination {
  destination: Destination;
  /** The destination's id in the catalog. */
  id: string;
}

export async function openDestination(
  dest: string,
  catalog: Catalog,
  options: {
    readOnly?: boolean;
    expectExisting?: boolean;
    /** Told, in words for a person, when the folder's lock is taken over from a silent holder or lost. */
    onNotice?: (message: string) => void;
  } = {},
): Promise<OpenedDestination> {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(dest) || /^jotta:/i.test(dest)) throw new UnknownDestinationError(dest);
  const root = path.resolve(dest);
  const local = await LocalDestination.open(root, {
    readOnly: options.readOnly,
    expectExisting: options.expectExisting,
    onNotice: options.onNotice,
  });
  // A read-only open of a folder that never held a backup has no marker id: nothing to register.
  if (local.id) catalog.destinations.upsert(local.id, local.kind, root);
  return { destination: local, id: local.id };
}
