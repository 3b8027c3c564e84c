/** Errors a user of `make-camera-roll` can meet, each with what to do about it. */
import { RollkeeperError } from '../../shared/errors';

/** A media template (in resources/camera-roll-templates) is missing or not what it should be. */
export class TemplateFormatError extends RollkeeperError {
  override name = 'TemplateFormatError';
  constructor(message: string) {
    super(
      'camera-roll.template-invalid',
      message,
      'Restore resources/camera-roll-templates from the repository, or rebuild them with "npx tsx src/simulator/camera-roll/make-templates.ts".',
    );
  }
}

/** The target folder is not empty: it holds other files, or a roll made earlier (replaced only with --force). */
export class RollTargetNotEmptyError extends RollkeeperError {
  override name = 'RollTargetNotEmptyError';
  constructor(dir: string, holdsEarlierRoll: boolean) {
    super(
      'camera-roll.target-not-empty',
      holdsEarlierRoll
        ? `${dir} already holds a camera roll made earlier`
        : `${dir} is not empty and holds no camera roll made by rollkeeper`,
      holdsEarlierRoll
        ? 'Pass --force to replace it, or choose an empty or new folder.'
        : 'Choose an empty or new folder: rollkeeper never deletes files it did not make.',
    );
  }
}

/** Generation was cancelled (Ctrl-C); the half-made roll is left marked incomplete. */
export class RollCancelledError extends RollkeeperError {
  override name = 'RollCancelledError';
  constructor() {
    super('camera-roll.cancelled', 'Making the camera roll was cancelled', 'Run the command again; it starts over.');
  }
}

/** Options that cannot make a roll (negative counts, unknown size…), from code rather than the CLI. */
export class RollOptionsError extends RollkeeperError {
  override name = 'RollOptionsError';
  constructor(message: string) {
    super('camera-roll.bad-options', message, 'Use whole, non-negative counts and a size of tiny or real.');
  }
}

/** The folder has no finished manifest: not a generated roll, or one whose making was interrupted. */
export class RollManifestMissingError extends RollkeeperError {
  override name = 'RollManifestMissingError';
  constructor(dir: string, interrupted: boolean) {
    super(
      'camera-roll.no-manifest',
      interrupted ? `the camera roll in ${dir} was never finished` : `${dir} has no camera-roll manifest`,
      interrupted
        ? 'Make it again with "rollkeeper make-camera-roll DIR --force".'
        : 'Point to a folder made by "rollkeeper make-camera-roll".',
    );
  }
}

/** The target path exists and is a file, not a folder. */
export class RollTargetNotAFolderError extends RollkeeperError {
  override name = 'RollTargetNotAFolderError';
  constructor(dir: string) {
    super(
      'camera-roll.target-not-a-folder',
      `${dir} is a file, not a folder`,
      'Give the path of a new or empty folder.',
    );
  }
}
