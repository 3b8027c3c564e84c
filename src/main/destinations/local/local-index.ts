/**
 * The local destination's index in memory, rebuilt from the journal on open: entries by
 * location and by SHA-256 (dedupe), each asset's group (folder + stem, so a Live Photo's halves
 * and its edit share one stem), and per folder the stems and names already claimed, compared
 * by collision key so case- or normalisation-twins never overwrite each other.
 */
import type { IndexReference } from '../destination';
import { collisionKey } from '../safe-name';
import type { JournalRecord, LocalIndexEntry } from './index-journal';

/** The folder and stem every file of one asset shares. */
export interface AssetGroup {
  folder: string;
  stem: string;
}

interface FolderClaims {
  /** collision key of a stem → the group that owns it */
  stems: Map<string, string>;
  /** collision keys of every file name stored here */
  names: Set<string>;
}

/** `sourceDevice` + `assetId`: the files of one asset from one phone. */
export function groupKeyOf(entry: { sourceDevice: string; assetId: string }): string {
  return JSON.stringify([entry.sourceDevice, entry.assetId]);
}

/** Split a location `2024/05/IMG_0001.HEIC` into folder and name. */
export function splitLocation(location: string): { folder: string; name: string } {
  const slash = location.lastIndexOf('/');
  return { folder: location.slice(0, slash), name: location.slice(slash + 1) };
}

export class LocalIndex {
  readonly entries = new Map<string, LocalIndexEntry>();
  /** Intents not yet committed (only meaningful while loading). */
  readonly pending = new Map<string, LocalIndexEntry>();
  private readonly bySha256 = new Map<string, string>();
  private readonly byMd5 = new Map<string, string>();
  private readonly groups = new Map<string, AssetGroup>();
  private readonly folders = new Map<string, FolderClaims>();

  /** Replay one journal record. */
  apply(record: JournalRecord): void {
    switch (record.op) {
      case 'entry':
        this.add(record.entry);
        break;
      case 'intent':
        this.pending.set(record.entry.location, record.entry);
        break;
      case 'commit': {
        const entry = this.pending.get(record.location);
        this.pending.delete(record.location);
        if (entry) this.add(entry);
        break;
      }
      case 'abandon':
        this.pending.delete(record.location);
        break;
      case 'remove':
        this.delete(record.location);
        break;
      case 'ref':
        this.addReference(record.location, record.ref);
        break;
    }
  }

  add(entry: LocalIndexEntry): void {
    this.entries.set(entry.location, entry);
    if (!this.bySha256.has(entry.hashes.sha256)) this.bySha256.set(entry.hashes.sha256, entry.location);
    const { md5 } = entry.hashes;
    if (md5 !== undefined && !this.byMd5.has(md5)) this.byMd5.set(md5, entry.location);
    const { folder, name } = splitLocation(entry.location);
    const key = groupKeyOf(entry);
    if (!this.groups.has(key)) this.groups.set(key, { folder, stem: entry.stem });
    const claims = this.claims(folder);
    claims.names.add(collisionKey(name));
    claims.stems.set(collisionKey(entry.stem), key);
  }

  delete(location: string): void {
    const entry = this.entries.get(location);
    if (!entry) return;
    this.entries.delete(location);
    this.forgetHash(this.bySha256, entry.hashes.sha256, location, (other) => other.hashes.sha256);
    if (entry.hashes.md5 !== undefined) {
      this.forgetHash(this.byMd5, entry.hashes.md5, location, (other) => other.hashes.md5);
    }
    const { folder, name } = splitLocation(location);
    this.claims(folder).names.delete(collisionKey(name));
    // The group keeps its stem: its other files still carry it, and a re-backup of this file
    // must land beside them again.
  }

  addReference(location: string, ref: IndexReference): void {
    const entry = this.entries.get(location);
    if (!entry) return;
    const refs = (entry.alsoReferencedBy ??= []);
    if (!refs.some((r) => r.assetId === ref.assetId && r.sourceDevice === ref.sourceDevice && r.role === ref.role)) {
      refs.push(ref);
    }
  }

  findBySha256(sha256: string): LocalIndexEntry | null {
    const location = this.bySha256.get(sha256);
    return location === undefined ? null : (this.entries.get(location) ?? null);
  }

  findByMd5(md5: string): LocalIndexEntry | null {
    const location = this.byMd5.get(md5);
    return location === undefined ? null : (this.entries.get(location) ?? null);
  }

  group(key: string): AssetGroup | undefined {
    return this.groups.get(key);
  }

  /** Whether another group owns this stem in `folder` (by collision key). */
  stemOwner(folder: string, stem: string): string | undefined {
    return this.folders.get(folder)?.stems.get(collisionKey(stem));
  }

  /** Whether a stored file in `folder` already has this name (by collision key). */
  nameTaken(folder: string, name: string): boolean {
    return this.folders.get(folder)?.names.has(collisionKey(name)) ?? false;
  }

  /** Hold a name for a file being committed, so another file of the same batch cannot take it. */
  reserveName(folder: string, name: string): void {
    this.claims(folder).names.add(collisionKey(name));
  }

  /** Give back a reserved name whose file never landed. */
  releaseName(folder: string, name: string): void {
    this.folders.get(folder)?.names.delete(collisionKey(name));
  }

  /** Claim a stem for a group before its first file is written. */
  claimStem(folder: string, stem: string, key: string): void {
    this.claims(folder).stems.set(collisionKey(stem), key);
    if (!this.groups.has(key)) this.groups.set(key, { folder, stem });
  }

  private forgetHash(
    map: Map<string, string>,
    hash: string,
    location: string,
    hashOf: (entry: LocalIndexEntry) => string | undefined,
  ): void {
    if (map.get(hash) !== location) return;
    map.delete(hash);
    // Another copy of the same bytes (say, one adopted from a scan) takes over. Rare: removals
    // of deduplicated content only.
    for (const other of this.entries.values()) {
      if (hashOf(other) === hash) {
        map.set(hash, other.location);
        return;
      }
    }
  }

  private claims(folder: string): FolderClaims {
    let claims = this.folders.get(folder);
    if (!claims) {
      claims = { stems: new Map(), names: new Set() };
      this.folders.set(folder, claims);
    }
    return claims;
  }
}
