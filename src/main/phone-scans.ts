import type { EventPayload } from '../shared/contract';
import { serializeError } from '../shared/errors';
import type { Catalog } from './catalog/database';
import { AfcPool } from './device/afc/afc-pool';
import type { DeviceSession } from './device/device-session';
import { scanDevice } from './library/scan-device';

/**
 * Reads each phone's library into the catalog once per attach, as soon as the phone is ready
 * (unlocked and trusted): that is what fills the timeline. A rescan of an unchanged phone costs
 * three stats (see scan-device.ts), so re-plugging is cheap.
 */
export class PhoneScans {
  private readonly running = new Map<string, Promise<void>>();
  private readonly done = new Set<string>();

  constructor(
    private readonly catalog: () => Catalog,
    private readonly onScanned: (result: EventPayload<'library.scanned'>) => void,
  ) {}

  /** Call on every session change: scans when the phone became ready and was not scanned since it attached. */
  consider(session: DeviceSession): void {
    if (session.state !== 'ready' || this.done.has(session.udid) || this.running.has(session.udid)) return;
    const run = this.scan(session).finally(() => this.running.delete(session.udid));
    this.running.set(session.udid, run);
  }

  /** The phone left: scan it again when it comes back. */
  forget(udid: string): void {
    this.done.delete(udid);
  }

  /** Resolves when the phone's scan under way (if any) has ended. */
  async settled(udid: string): Promise<void> {
    await this.running.get(udid);
  }

  /** Resolves when every scan under way has ended. */
  async idle(): Promise<void> {
    await Promise.all(this.running.values());
  }

  private async scan(session: DeviceSession): Promise<void> {
    const pool = new AfcPool(() => session.openAfc(), { size: 4, callersPerConnection: 32 });
    const info = session.info;
    try {
      const catalog = this.catalog();
      const device = catalog.devices.upsert(session.udid, {
        name: info.name,
        model: info.model,
        osVersion: info.iosVersion,
      });
      const report = await scanDevice({ afc: pool, catalog, deviceId: device.id, signal: session.signal });
      this.done.add(session.udid);
      this.onScanned({
        udid: session.udid,
        assets: report.assets,
        added: report.changed.added,
        removed: report.changed.removed,
        error: null,
      });
    } catch (error) {
      this.onScanned({ udid: session.udid, assets: 0, added: 0, removed: 0, error: serializeError(error) });
    } finally {
      await pool.close();
    }
  }
}
