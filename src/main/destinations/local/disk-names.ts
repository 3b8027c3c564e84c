/**
 * Names already present in a date folder on disk, including files the index does not know (put
 * there by hand, by another tool, or by an older backup). Read once per folder with one readdir,
 * then kept up to date with our own writes, so choosing a name never overwrites a stranger's file.
 */
import path from 'node:path';
import { collisionKey, splitName } from '../safe-name';
import { errnoOf } from './fs-errors';
import type { LocalFs } from './local-fs';
import { splitLocation } from './local-index';

interface FolderNames {
  names: Set<string>;
  stems: Set<string>;
}

export class DiskNames {
  private readonly folders = new Map<string, Promise<FolderNames>>();

  constructor(
    private readonly fs: LocalFs,
    private readonly root: string,
  ) {}

  async nameTaken(folder: string, name: string): Promise<boolean> {
    return (await this.load(folder)).names.has(collisionKey(name));
  }

  /**
   * Whether a file on disk already starts with this stem: `IMG_0005.JPG`, or one of its group
   * such as `IMG_0005 (edited).jpg`. Erring towards "taken" only costs a ` (1)`.
   */
  async stemTaken(folder: string, stem: string): Promise<boolean> {
    const key = collisionKey(stem);
    for (const existing of (await this.load(folder)).stems) {
      if (existing === key || existing.startsWith(`${key} (`)) return true;
    }
    return false;
  }

  remember(location: string): void {
    const { folder, name } = splitLocation(location);
    void this.folders.get(folder)?.then((names) => {
      names.names.add(collisionKey(name));
      names.stems.add(collisionKey(splitName(name).stem));
    });
  }

  forget(location: string): void {
    const { folder, name } = splitLocation(location);
    // Only the exact name is forgotten: the stem may still be carried by the group's other files.
    void this.folders.get(folder)?.then((names) => names.names.delete(collisionKey(name)));
  }

  private load(folder: string): Promise<FolderNames> {
    let names = this.folders.get(folder);
    if (!names) {
      names = this.read(folder);
      this.folders.set(folder, names);
      names.catch(() => this.folders.delete(folder));
    }
    return names;
  }

  private async read(folder: string): Promise<FolderNames> {
    const result: FolderNames = { names: new Set(), stems: new Set() };
    let entries: string[];
    try {
      entries = await this.fs.readdir(path.join(this.root, folder));
    } catch (error) {
      if (errnoOf(error) === 'ENOENT') return result;
      throw error;
    }
    for (const name of entries) {
      result.names.add(collisionKey(name));
      result.stems.add(collisionKey(splitName(name).stem));
    }
    return result;
  }
}
