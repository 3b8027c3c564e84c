import { type OpenedDestination, openDestination } from '../backup/open-destination';
import { Catalog } from '../catalog/database';
import { type CliContext, type ParsedArgs, UsageError } from './command';

/**
 * For commands that take `--to DEST`: checks the option, opens the catalog in the data folder
 * and the destination, runs `work`, and closes both whatever happens.
 */
export async function withDestination<T>(
  values: ParsedArgs['values'],
  ctx: CliContext,
  options: Omit<NonNullable<Parameters<typeof openDestination>[2]>, 'onNotice'>,
  work: (catalog: Catalog, opened: OpenedDestination) => Promise<T>,
): Promise<T> {
  if (typeof values.to !== 'string' || values.to === '') throw new UsageError('--to DEST is required');
  const catalog = Catalog.openInDataDir(ctx.dataDir);
  try {
    const onNotice = (message: string) => {
      ctx.say(message);
      ctx.emit({ event: 'notice', message });
    };
    const opened = await openDestination(values.to, catalog, { ...options, onNotice });
    try {
      return await work(catalog, opened);
    } finally {
      await opened.destination.close();
    }
  } finally {
    catalog.close();
  }
}
