import type { AssetKind } from '../../../shared/asset';
import { RollkeeperError } from '../../../shared/errors';
import { Catalog } from '../../catalog/database';
import { AfcPool } from '../../device/afc/afc-pool';
import { DeviceSession } from '../../device/device-session';
import { DeviceNotFoundError } from '../../device/errors';
import { UsbmuxClient, pickDevice } from '../../device/usbmux/client';
import { type ScanReport, scanDevice } from '../../library/scan-device';
import { type Command, UsageError } from '../command';

/** The phone is attached but cannot be read yet (locked, waiting for Trust, in error). */
class DeviceNotReadyError extends RollkeeperError {
  override name = 'DeviceNotReadyError';
  constructor(name: string, state: string, message: string) {
    super('scan.device-not-ready', `${name || 'The iPhone'} is not ready (${state}).`, message);
  }
}

/** Singular and plural, for "1 screen recording, 3 videos". */
const KIND_LABELS: Record<AssetKind, [string, string]> = {
  photo: ['photo', 'photos'],
  live: ['Live Photo', 'Live Photos'],
  video: ['video', 'videos'],
  burst: ['burst photo', 'burst photos'],
  screenshot: ['screenshot', 'screenshots'],
  'screen-recording': ['screen recording', 'screen recordings'],
  slomo: ['slow-motion video', 'slow-motion videos'],
  timelapse: ['time-lapse', 'time-lapses'],
  raw: ['RAW photo', 'RAW photos'],
  other: ['other file', 'other files'],
};
/** Warnings printed for people; the rest are counted (all of them are in --json). */
const WARNINGS_SHOWN = 10;

export const scanCommand: Command = {
  name: 'scan',
  summary: "scan the attached iPhone's camera roll into the catalog",
  usage: [
    'Usage: rollkeeper scan [--udid UDID] [--dcim-only] [--force] [--json]',
    '',
    "Reads the iPhone's photo library (Photos.sqlite, copied read-only) and records every photo and",
    'video in the catalog: kind, capture time and zone, Live Photo pairs, edits, favourites,',
    'Recently Deleted and iCloud-only items. When the library cannot be read it lists the camera',
    'folders (DCIM) instead and says so. A rescan of an unchanged iPhone reads nothing.',
    '',
    'Prints counts by kind, the date range, what changed since the last scan, and warnings (each',
    'names its file). With --json: one `asset` event per asset, `warning` events, then a summary.',
    '',
    'Options:',
    '  --udid UDID   which iPhone, when several are attached',
    '  --dcim-only   list the camera folders only, even when the library is readable',
    '  --force       scan in full even when the iPhone looks unchanged',
    '',
    'Honours USBMUXD_SOCKET_ADDRESS (UNIX:/path or host:port), e.g. for `rollkeeper simulate`.',
  ].join('\n'),
  options: { udid: { type: 'string' }, 'dcim-only': { type: 'boolean' }, force: { type: 'boolean' } },
  async run({ values }, ctx) {
    const udid = typeof values.udid === 'string' ? values.udid : undefined;
    const usbmux = new UsbmuxClient();
    const attached = await usbmux.listDevices(ctx.signal);
    const udids = [...new Set(attached.map((d) => d.udid))];
    if (udids.length === 0) throw new DeviceNotFoundError();
    if (!udid && udids.length > 1) {
      throw new UsageError(`${udids.length} iPhones are attached (${udids.join(', ')}); choose one with --udid.`);
    }
    const device = pickDevice(attached, udid);
    const session = new DeviceSession(device, usbmux);
    for (const other of attached) if (other.udid === device.udid && other !== device) session.addAttachment(other);
    const stop = () => session.disconnect();
    ctx.signal.addEventListener('abort', stop, { once: true });
    const pool = new AfcPool(() => session.openAfc(), { size: 4, callersPerConnection: 32 });
    let catalog: Catalog | undefined;
    try {
      const info = await session.refresh();
      if (info.state !== 'ready') throw new DeviceNotReadyError(info.name, info.state, info.message);
      catalog = Catalog.openInDataDir(ctx.dataDir);
      const record = catalog.devices.upsert(device.udid, {
        name: info.name,
        model: info.model,
        osVersion: info.iosVersion,
      });
      ctx.say(`Scanning ${info.name || 'iPhone'} (${device.udid})…`);
      const report = await scanDevice({
        afc: pool,
        catalog,
        deviceId: record.id,
        signal: AbortSignal.any([ctx.signal, session.signal]),
        dcimOnly: values['dcim-only'] === true,
        force: values.force === true,
        onProgress: (p) => ctx.emit({ event: 'progress', ...p }),
      });
      if (ctx.json) {
        for (const a of catalog.assets.listOnDevice(record.id)) {
          ctx.emit({
            event: 'asset',
            id: a.key,
            kind: a.kind,
            originalName: a.originalName,
            captureTime: a.captureTime,
            localDay: a.localDay,
            flags: a.flags,
            resources: a.resources.map((r) => ({ role: r.role, path: r.path, size: r.size, mtimeMs: r.mtimeMs })),
          });
        }
        for (const w of report.warnings) ctx.emit({ event: 'warning', ...w });
      }
      for (const line of describe(info.name, report)) ctx.say(line);
      const { warnings, ...summary } = report;
      ctx.emit({ event: 'summary', udid: device.udid, ...summary, warnings: warnings.length });
      return 0;
    } finally {
      ctx.signal.removeEventListener('abort', stop);
      await pool.close();
      session.close();
      catalog?.close();
    }
  },
};

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function describe(name: string, r: ScanReport): string[] {
  const lines: string[] = [];
  const kinds = (Object.entries(r.byKind) as [AssetKind, number][])
    .sort((a, b) => b[1] - a[1])
    .map(([kind, n]) => `${n.toLocaleString('en-US')} ${KIND_LABELS[kind][n === 1 ? 0 : 1]}`);
  const from = r.source === 'library' ? 'the photo library' : 'the camera folders (DCIM)';
  lines.push(
    `${name || 'iPhone'}: ${r.assets.toLocaleString('en-US')} items, read from ${from}${r.unchanged ? ' (unchanged since the last scan)' : ''}.`,
  );
  if (kinds.length) lines.push(`  ${kinds.join(', ')}`);
  if (r.dateRange) lines.push(`  taken ${day(r.dateRange.firstMs)} to ${day(r.dateRange.lastMs)}`);
  const flags = [
    r.flagged.iCloudOnly && `${r.flagged.iCloudOnly} only in iCloud (original not on the iPhone)`,
    r.flagged.recentlyDeleted && `${r.flagged.recentlyDeleted} in Recently Deleted`,
    r.flagged.missingFiles && `${r.flagged.missingFiles} files listed by the library but missing`,
  ].filter(Boolean);
  if (flags.length) lines.push(`  ${flags.join(', ')}`);
  if (!r.unchanged)
    lines.push(
      `  since the last scan: ${r.changed.added} new, ${r.changed.updated} changed, ${r.changed.removed} gone`,
    );
  if (r.warnings.length) {
    lines.push(`${r.warnings.length} warning${r.warnings.length === 1 ? '' : 's'}:`);
    for (const w of r.warnings.slice(0, WARNINGS_SHOWN)) lines.push(`  ${w.message}`);
    if (r.warnings.length > WARNINGS_SHOWN)
      lines.push(`  … and ${r.warnings.length - WARNINGS_SHOWN} more (all of them with --json)`);
  }
  return lines;
}
