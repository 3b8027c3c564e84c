import type { BackupRun, BackupSummary, FileEvent } from '../../backup/backup-run';
import { backupPhone } from '../../backup/backup-phone';
import { watcherPhoneLink } from '../../backup/phone-files';
import { pickReadyPhone } from '../../backup/pick-phone';
import type { BackupProgress } from '../../backup/progress';
import { formatBytes } from '../../destinations/errors';
import { AfcPool } from '../../device/afc/afc-pool';
import { DeviceWatcher } from '../../device/device-watcher';
import { scanDevice } from '../../library/scan-device';
import { type CliContext, type Command, intOption } from '../command';
import { withDestination } from '../destination-option';

export const backupCommand: Command = {
  name: 'backup',
  summary: 'back up the attached iPhone to a folder: copy, hash, read back and verify',
  usage: [
    'Usage: rollkeeper backup --to DEST [--concurrency N] [--udid UDID] [--wait SECONDS] [--oldest-first] [--json]',
    '',
    "Scans the attached iPhone's library, then copies every photo and video that has no verified copy in DEST",
    'yet, newest first. Each file is hashed (SHA-256) while it is written, then read back from DEST and',
    'hashed again: only then does it count as backed up. Files already in DEST (from an earlier run or',
    'another phone) are not copied twice. A pulled cable pauses the backup until the iPhone is back;',
    'Ctrl-C stops it, and the next run continues where it stopped.',
    '',
    'Options:',
    '  --to DEST         the backup folder (an external drive, a NAS mount)',
    '  --concurrency N   files always read at once (default 4, 1-16); small files up to 4× that, over at most 4 connections',
    '  --udid UDID       which iPhone, when several are attached',
    '  --wait SECONDS    how long to wait for the iPhone to be attached and ready (default 10)',
    '  --oldest-first    copy the oldest photos first instead of the newest',
    '',
    'With --json: NDJSON events (scan, progress, file, state), the last line',
    '{"event":"summary","copied":n,"deduplicated":n,"failed":n,"bytes":n,"seconds":s}.',
    'Exit code 0 when every file is backed up and verified, 1 otherwise.',
  ].join('\n'),
  options: {
    to: { type: 'string' },
    concurrency: { type: 'string' },
    udid: { type: 'string' },
    wait: { type: 'string' },
    'oldest-first': { type: 'boolean' },
  },
  async run({ values }, ctx) {
    const concurrency = intOption(values.concurrency, 'concurrency', { min: 1, max: 16 }) ?? 4;
    const waitSeconds = intOption(values.wait, 'wait', { max: 3600 }) ?? 10;
    const udid = typeof values.udid === 'string' ? values.udid : undefined;

    return withDestination(values, ctx, {}, async (catalog, { destination, id }) => {
      const watcher = new DeviceWatcher();
      try {
        // usbmuxd missing is the likelier story than "no iPhone" when the watcher cannot listen.
        let usbmuxProblem: Error | undefined;
        watcher.on('error', (error) => (usbmuxProblem = error));
        await watcher.start();
        const session = await pickReadyPhone(watcher, { udid, waitMs: waitSeconds * 1000, signal: ctx.signal }).catch(
          (error: unknown) => {
            throw usbmuxProblem && watcher.sessions().length === 0 ? usbmuxProblem : error;
          },
        );
        const info = session.info;
        ctx.say(`Scanning ${info.name || 'the iPhone'}…`);
        const device = catalog.devices.upsert(session.udid, {
          name: info.name,
          model: info.model,
          osVersion: info.iosVersion,
        });
        const pool = new AfcPool(() => session.openAfc(), { size: concurrency });
        try {
          const scan = await scanDevice({ afc: pool, catalog, deviceId: device.id, signal: ctx.signal });
          ctx.emit({
            event: 'scan',
            udid: session.udid,
            assets: scan.assets,
            source: scan.source,
            warnings: scan.warnings.length,
          });
          for (const warning of scan.warnings.slice(0, 5)) ctx.say(`  note: ${warning.message}`);
        } finally {
          await pool.close();
        }
        const bar = new ProgressLine(ctx);
        const summary = await backupPhone({
          catalog,
          destination,
          destinationId: id,
          link: watcherPhoneLink(watcher, session.udid),
          concurrency,
          order: values['oldest-first'] === true ? 'oldest-first' : 'newest-first',
          signal: ctx.signal,
          onRun: (run) => follow(run, ctx, bar, destination.description),
        });
        bar.clear();
        report(summary, ctx, destination.description);
        return summary.state === 'completed' && summary.failed === 0 ? 0 : 1;
      } finally {
        watcher.stop();
      }
    });
  },
};

function follow(run: BackupRun, ctx: CliContext, bar: ProgressLine, where: string): void {
  ctx.emit({ event: 'run', runId: run.runId, destination: where });
  run.on('progress', (progress) => {
    ctx.emit({ event: 'progress', ...progress });
    bar.show(progress);
  });
  run.on('state', (state) => {
    ctx.emit({ event: 'state', runId: run.runId, state });
    if (state === 'waiting-for-device') bar.note('The iPhone was disconnected: waiting for it to come back…');
    if (state === 'paused') bar.note('Paused.');
  });
  run.on('asset', (asset) => ctx.emit({ event: 'asset', ...asset }));
  run.on('file', (file: FileEvent) => {
    ctx.emit({ event: 'file', ...file });
    if (file.state === 'failed') bar.note(`Failed: ${file.path}: ${file.error?.message ?? 'unknown error'}`);
  });
}

function report(summary: BackupSummary, ctx: CliContext, where: string): void {
  const { copied, deduplicated, failed, bytes, seconds } = summary;
  if (summary.state === 'completed') {
    const rate = seconds > 0 ? ` (${formatBytes(bytes / seconds)}/s)` : '';
    ctx.say(
      `Backed up to ${where}: ${copied} copied (${formatBytes(bytes)} in ${seconds.toFixed(1)} s${rate}), ` +
        `${deduplicated} already there, ${failed} failed.`,
    );
    if (failed > 0) ctx.say('Run the backup again to retry the failed files.');
  } else {
    const why = summary.error ? `${summary.error.message}${summary.error.hint ? `\n${summary.error.hint}` : ''}` : '';
    ctx.stderr.write(`rollkeeper backup: ${summary.state === 'cancelled' ? 'cancelled' : 'stopped'}. ${why}\n`);
    ctx.say(
      `So far: ${copied} copied, ${deduplicated} already there, ${failed} failed. The next run continues from here.`,
    );
  }
  ctx.emit({ event: 'summary', copied, deduplicated, failed, bytes, seconds: Math.round(seconds * 1000) / 1000 });
}

/** A one-line progress bar redrawn in place on a terminal; nothing when not a terminal or with --json. */
class ProgressLine {
  private drawn = false;
  constructor(private readonly ctx: CliContext) {}

  private get enabled(): boolean {
    return !this.ctx.json && this.ctx.stdout.isTTY === true;
  }

  show(p: BackupProgress): void {
    if (!this.enabled) return;
    const fraction = p.bytesTotal > 0 ? p.bytesDone / p.bytesTotal : 1;
    const width = 24;
    const filled = Math.round(fraction * width);
    const eta =
      p.etaSeconds === null
        ? '--:--'
        : `${Math.floor(p.etaSeconds / 60)}:${String(p.etaSeconds % 60).padStart(2, '0')}`;
    const line =
      `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}%  ` +
      `${p.filesDone}/${p.filesTotal} files  ${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesTotal)}  ` +
      `${formatBytes(p.bytesPerSecond)}/s  ETA ${eta}`;
    this.ctx.stdout.write(`\r${line}\u001b[K`);
    this.drawn = true;
  }

  note(line: string): void {
    this.clear();
    this.ctx.say(line);
  }

  clear(): void {
    if (!this.drawn) return;
    this.ctx.stdout.write('\r\u001b[K');
    this.drawn = false;
  }
}
