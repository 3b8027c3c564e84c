/**
 * One backup of one phone to one destination, composed: record the phone (and its freshly
 * scanned assets) in the catalog, open the phone's files, run, close. What the CLI and the
 * engine (and AutoBackup) call.
 */
import type { Asset } from '../../shared/asset';
import type { Catalog } from '../catalog/database';
import type { DeviceInfo } from '../catalog/devices-repository';
import type { Destination } from '../destinations/destination';
import { BackupRun, type BackupRunOptions, type BackupSummary } from './backup-run';
import { PhoneFiles, type PhoneLink } from './phone-files';

export interface BackupPhoneOptions {
  catalog: Catalog;
  destination: Destination;
  destinationId: string;
  link: PhoneLink;
  /** Name, model, iOS version for the catalog's device row. */
  deviceInfo?: DeviceInfo;
  /**
   * The phone's whole library as just scanned; the catalog's view of the phone is made equal
   * to it before planning. Leave out to back up what the catalog already knows.
   */
  assets?: readonly Asset[];
  concurrency?: number;
  order?: BackupRunOptions['order'];
  maxDeviceWaitMs?: number;
  signal?: AbortSignal;
  /** Called with the run before it starts: subscribe to its events, keep it to pause/cancel. */
  onRun?: (run: BackupRun) => void;
}

export async function backupPhone(options: BackupPhoneOptions): Promise<BackupSummary> {
  const { catalog, link } = options;
  const device = catalog.devices.upsert(link.udid, options.deviceInfo ?? {});
  if (options.assets) catalog.assets.replaceDeviceAssets(device.id, options.assets);
  const concurrency = options.concurrency ?? 4;
  // Up to four connections (a phone serves a few well); more files in flight share them, each
  // connection pipelining its files' requests.
  const connections = Math.min(concurrency, 4);
  const phone = new PhoneFiles(link, { connections, filesPerConnection: Math.ceil(concurrency / connections) });
  try {
    const run = new BackupRun({
      catalog,
      destination: options.destination,
      destinationId: options.destinationId,
      deviceId: device.id,
      phone,
      concurrency,
      order: options.order,
      maxDeviceWaitMs: options.maxDeviceWaitMs,
      signal: options.signal,
    });
    options.onRun?.(run);
    return await run.run();
  } finally {
    await phone.close();
  }
}
