import type { CopyState } from '../../catalog/copy-state';
import { type Command } from '../command';
import { withDestination } from '../destination-option';

const LABELS: Record<CopyState, string> = {
  verified: 'verified (backed up and read back)',
  copied: 'copied, not yet verified',
  copying: 'being copied',
  unknown: 'planned',
  failed: 'failed',
  missing: 'missing from the folder',
};

export const statusCommand: Command = {
  name: 'status',
  summary: "count a backup folder's copies by state (verified, copied, failed …)",
  usage: [
    'Usage: rollkeeper status --to DEST [--json]',
    '',
    "Shows how many files the catalog knows in DEST per state, and each phone's files not yet verified there.",
    'Reads only: safe while a backup runs.',
    '',
    'With --json the last line is {"event":"summary","destination":…,"verified":n,"copied":n,"copying":n,',
    '"unknown":n,"failed":n,"missing":n,"pending":n}.',
  ].join('\n'),
  options: { to: { type: 'string' } },
  async run({ values }, ctx) {
    return withDestination(values, ctx, { readOnly: true }, async (catalog, { destination, id }) => {
      const counts = id
        ? catalog.copies.countByState(id)
        : { unknown: 0, copying: 0, copied: 0, verified: 0, failed: 0, missing: 0 };
      let pending = 0;
      ctx.say(`Backup folder ${destination.description}:`);
      for (const state of Object.keys(LABELS) as CopyState[]) {
        if (counts[state] > 0 || state === 'verified')
          ctx.say(`  ${String(counts[state]).padStart(7)}  ${LABELS[state]}`);
      }
      if (id) {
        for (const device of catalog.devices.list()) {
          const files = catalog.backup.resourcesToBackUp(device.id, id);
          pending += files.length;
          ctx.emit({ event: 'device', udid: device.udid, name: device.name, pending: files.length });
          const bytes = files.reduce((sum, f) => sum + f.size, 0);
          ctx.say(
            `  ${device.name || device.udid}: ${files.length === 0 ? 'everything verified' : `${files.length} files (${bytes} bytes) not yet verified`}`,
          );
        }
      }
      ctx.emit({ event: 'summary', destination: destination.description, ...counts, pending });
      return 0;
    });
  },
};
