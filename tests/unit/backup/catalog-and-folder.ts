/**
 * What the pipeline's unit tests stand on: a real catalog (in memory) and a real local
 * destination (a temp folder) registered in it, plus one phone's device row; and test assets
 * made from file contents.
 */
import path from 'node:path';
import type { Asset } from '../../../src/shared/asset';
import { Catalog } from '../../../src/main/catalog/database';
import { LocalDestination } from '../../../src/main/destinations/local/local-destination';
import { tempDir } from '../../helpers/temp-dir';

export interface CatalogAndFolder {
  catalog: Catalog;
  destination: LocalDestination;
  /** The device row of the phone `udid`. */
  deviceId: number;
  /** Closes both and removes the folder. */
  close(): Promise<void>;
}

export async function openCatalogAndFolder(prefix: string, udid: string): Promise<CatalogAndFolder> {
  const { dir, cleanup } = await tempDir(prefix);
  const catalog = Catalog.open(':memory:');
  const destination = await LocalDestination.open(dir);
  catalog.destinations.upsert(destination.id, 'local', dir);
  const deviceId = catalog.devices.upsert(udid).id;
  return {
    catalog,
    destination,
    deviceId,
    async close() {
      await destination.close();
      catalog.close();
      await cleanup();
    },
  };
}

/** A photo (a Live Photo with a `live-video` file) named after its first file, files' mtime 1000. */
export function asset(
  id: string,
  utcMs: number,
  files: Array<{ path: string; data: Buffer; role?: 'original' | 'live-video' }>,
): Asset {
  return {
    id,
    kind: 'photo',
    captureTime: { utcMs, offsetMinutes: 0, source: 'library' },
    flags: { favorite: false, hidden: false, recentlyDeleted: false, iCloudOnly: false },
    originalName: path.posix.basename(files[0]!.path),
    resources: files.map((f) => ({ role: f.role ?? 'original', path: f.path, size: f.data.length, mtimeMs: 1_000 })),
  };
}
