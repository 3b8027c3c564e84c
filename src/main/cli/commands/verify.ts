import { verifyDestination } from '../../backup/verify-run';
import { formatBytes } from '../../destinations/errors';
import { type Command } from '../command';
import { withDestination } from '../destination-option';

export const verifyCommand: Command = {
  name: 'verify',
  summary: 're-read and re-hash every copy in a backup folder; mark altered or missing ones',
  usage: [
    'Usage: rollkeeper verify --to DEST [--json]',
    '',
    'Reads every copy the catalog counts as backed up in DEST and compares its SHA-256 with the one',
    "measured when it was copied. A copy altered behind Rollkeeper's back is marked failed and moved to",
    "DEST's trash (.rollkeeper/trash); a missing one is marked missing. The next backup copies both anew",
    'from the iPhone.',
    '',
    'With --json: one {"event":"copy",…} line per copy, the last line',
    '{"event":"summary","checked":n,"ok":n,"altered":n,"missing":n,"bytes":n,"seconds":s}.',
    'Exit code 0 when every copy is intact, 1 otherwise.',
  ].join('\n'),
  options: { to: { type: 'string' } },
  async run({ values }, ctx) {
    return withDestination(values, ctx, { expectExisting: true }, async (catalog, { destination, id }) => {
      const summary = await verifyDestination({
        catalog,
        destination,
        destinationId: id,
        signal: ctx.signal,
        onCopy: (event) => {
          ctx.emit({ event: 'copy', ...event });
          if (event.status === 'altered') ctx.say(`ALTERED  ${event.location}: ${event.detail}`);
          if (event.status === 'missing') ctx.say(`MISSING  ${event.location}`);
        },
      });
      const { checked, ok, altered, missing, bytes, seconds } = summary;
      ctx.say(
        `Checked ${checked} copies (${formatBytes(bytes)}) in ${destination.description}: ${ok} intact, ` +
          `${altered} altered, ${missing} missing.` +
          (altered + missing > 0 ? ' Run a backup with the iPhone attached to copy them again.' : ''),
      );
      ctx.emit({
        event: 'summary',
        checked,
        ok,
        altered,
        missing,
        bytes,
        seconds: Math.round(seconds * 1000) / 1000,
      });
      return altered + missing === 0 ? 0 : 1;
    });
  },
};
