import { RollkeeperError } from '../../shared/errors';

/** The catalog file cannot be opened as a Rollkeeper catalog (not SQLite, damaged, unreadable). */
export class CatalogUnreadableError extends RollkeeperError {
  override name = 'CatalogUnreadableError';
  constructor(file: string, cause: unknown) {
    super(
      'catalog.unreadable',
      `The catalog ${file} cannot be opened: ${cause instanceof Error ? cause.message : String(cause)}`,
      'Move the file aside and start Rollkeeper again: it builds a new catalog from your phone and backups.',
      { cause },
    );
  }
}

/** The catalog was written by a newer Rollkeeper: opening it with this one could damage it. */
export class CatalogTooNewError extends RollkeeperError {
  override name = 'CatalogTooNewError';
  constructor(file: string, found: number, known: number) {
    super(
      'catalog.too-new',
      `The catalog ${file} has schema version ${found}; this Rollkeeper knows up to ${known}.`,
      'Update Rollkeeper to the newest version.',
    );
  }
}

/** A copy was asked to move between states that the copy state machine does not allow. */
export class IllegalCopyTransitionError extends RollkeeperError {
  override name = 'IllegalCopyTransitionError';
  constructor(
    readonly destinationId: string,
    readonly sha256: string,
    readonly from: string | null,
    readonly to: string,
  ) {
    super(
      'catalog.illegal-copy-transition',
      `The copy of ${sha256.slice(0, 12)}… on ${destinationId} cannot go from ${from ?? '(no record)'} to ${to}.`,
      'This is a bug in Rollkeeper: please report it with the backup log.',
    );
  }
}

/** A device, destination or run id that the catalog does not hold. */
export class CatalogNotFoundError extends RollkeeperError {
  override name = 'CatalogNotFoundError';
  constructor(what: string) {
    super('catalog.not-found', `The catalog has no ${what}.`, 'Connect the phone or add the destination again.');
  }
}

/** A timeline cursor that this catalog did not hand out (a client sent garbage). */
export class InvalidTimelineCursorError extends RollkeeperError {
  override name = 'InvalidTimelineCursorError';
  constructor(cursor: string) {
    super(
      'catalog.invalid-cursor',
      `"${cursor.slice(0, 40)}" is not a timeline cursor.`,
      'Reload the timeline from its first page.',
    );
  }
}
