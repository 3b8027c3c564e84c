import { RollkeeperError } from '../../shared/errors';

/**
 * A media file's structure is not what its format promises (a box that runs past its parent,
 * a length that lies, a header far too large). The file itself is not touched; its capture time
 * falls back to the next rule.
 */
export class MalformedMediaError extends RollkeeperError {
  override name = 'MalformedMediaError';
  constructor(what: string) {
    super(
      'library.malformed-media',
      what,
      'The file may be damaged; its date falls back to the photo library or the file time.',
    );
  }
}
