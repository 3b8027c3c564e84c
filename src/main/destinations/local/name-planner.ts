/**
 * Decides where the next file of an asset goes in a local backup folder: its date folder, the
 * stem its group shares, and a name no other file there has (compared by collision key, against
 * both the index and what is really on disk). See layout.ts for the scheme.
 */
import path from 'node:path';
import type { ResourceRole } from '../../../shared/asset';
import type { PutItem } from '../destination';
import { DestinationIoError } from '../errors';
import { resolveInside, safeNameParts } from '../safe-name';
import type { DiskNames } from './disk-names';
import { dateFolder, groupFileName, groupStem, type DefaultOffset } from './layout';
import type { LocalFs } from './local-fs';
import { sameAsset, type AssetRef, type LocalIndex } from './local-index';

export interface PlannedLocation {
  /** `2024/05` or `Unknown date`. */
  folder: string;
  /** Absolute path of that folder, created and checked to lie inside the root. */
  folderPath: string;
  stem: string;
  name: string;
  location: string;
}

export class NamePlanner {
  /** Date folders created and checked to lie inside the root (no symlink escape). */
  private readonly checkedFolders = new Set<string>();

  constructor(
    private readonly fs: LocalFs,
    private readonly root: string,
    private readonly index: LocalIndex,
    private readonly diskNames: DiskNames,
    private readonly defaultOffset: DefaultOffset,
  ) {}

  /**
   * Plan the location of `item`. Must run under the destination's write lock: it claims the
   * group's stem in the index, so the next file of the same asset lands beside this one.
   */
  async plan(item: PutItem): Promise<PlannedLocation> {
    // A group keeps the folder of its first file, so its files stay together even if a later
    // file's capture time is read differently.
    const group = this.index.group(item) ?? { folder: dateFolder(item.captureTime, this.defaultOffset), stem: '' };
    const folderPath = await this.prepareFolder(group.folder);
    let stem = group.stem;
    if (stem === '') {
      stem = await this.chooseStem(group.folder, safeNameParts(item.assetName).stem, item);
      this.index.claimStem(group.folder, stem, item);
    }
    const name = await this.chooseName(group.folder, stem, item.role, safeNameParts(item.fileName).extension);
    return { folder: group.folder, folderPath, stem, name, location: `${group.folder}/${name}` };
  }

  /** The first `base`, `base (1)`, `base (2)`… no other asset's file in `folder` uses. */
  private async chooseStem(folder: string, base: string, asset: AssetRef): Promise<string> {
    for (let collision = 0; collision < 100_000; collision += 1) {
      const stem = groupStem(base, collision);
      const owner = this.index.stemOwner(folder, stem);
      if (owner !== undefined && !sameAsset(owner, asset)) continue;
      if (await this.diskNames.stemTaken(folder, stem)) continue;
      return stem;
    }
    throw new DestinationIoError(this.root, `too many files named like "${base}" in ${folder}.`);
  }

  /** The group's name for this role, made unique if a same-role file of the group exists. */
  private async chooseName(folder: string, stem: string, role: ResourceRole, extension: string): Promise<string> {
    for (let duplicate = 0; duplicate < 100_000; duplicate = duplicate === 0 ? 2 : duplicate + 1) {
      const name = groupFileName(stem, role, extension, duplicate);
      if (this.index.nameTaken(folder, name)) continue;
      if (await this.diskNames.nameTaken(folder, name)) continue;
      return name;
    }
    throw new DestinationIoError(this.root, `too many files named like "${stem}" in ${folder}.`);
  }

  /** Create the date folder and make sure it really lies inside the root (no symlink escape). */
  private async prepareFolder(folder: string): Promise<string> {
    const absolute = resolveInside(this.root, folder);
    if (!absolute) throw new DestinationIoError(this.root, `refusing folder "${folder}" outside the backup folder.`);
    if (this.checkedFolders.has(folder)) return absolute;
    await this.fs.mkdir(absolute, { recursive: true });
    const [realRoot, realFolder] = await Promise.all([this.fs.realpath(this.root), this.fs.realpath(absolute)]);
    if (!realFolder.startsWith(realRoot.endsWith(path.sep) ? realRoot : realRoot + path.sep)) {
      throw new DestinationIoError(this.root, `"${folder}" is a link that leads outside the backup folder.`);
    }
    this.checkedFolders.add(folder);
    return absolute;
  }
}
