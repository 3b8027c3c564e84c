/**
 * The local destination's index in memory, rebuilt from the journal on open: entries by
 * location and by SHA-256 (dedupe), each asset's group (folder + stem, so a Live Photo's halves
 * and its edit share one stem), and per folder the stems and names already claimed, compared
 * by collision key so case- or normalisation-twins never overwrite each other.
 */
import type { IndexReference } from '../destination';
import { collisionKey } from '../safe-name';
import { CollisionMap } from './collision-map';
import type { JournalRecord, LocalIndexEntry } from './index-journal';

/** One asset from one phone: the files that belong together. */
export interface AssetRef {
  sourceDevice: string;
  assetId: string;
}

/** The folder and stem every file of one asset shares. */
export interface AssetGroup extends AssetRef {
  folder: string;
  stem: string;
}

/**
 * What a group is kept as: its first stored file stands for it (it has the asset, the phone, the
 * stem, and the folder in its location), so most groups cost no object of their own; a group
 * whose stem is claimed before any file is stored is an AssetGroup.
 */
type GroupRecord = AssetGroup | LocalIndexEntry;

/** A stem claimed for a group whose own stem is another (rare: a hand-edited journal). */
interface StemClaim {
  stem: string;
  group: GroupRecord;
}

interface FolderClaims {
  /** The folder's name: the one copy every group in it shares. */
  folder: string;
  /** The stems claimed here (a group under its own stem, or a StemClaim), by collision key. */
  stems: CollisionMap<GroupRecord | StemClaim>;
  /** The location of every file stored (or being committed) here, by collision key of its name. */
  names: CollisionMap<string>;
}

/** Whether two references name the same asset of the same phone. */
export function sameAsset(a: AssetRef, b: AssetRef): boolean {
  return a.assetId === b.assetId && a.sourceDevice === b.sourceDevice;
}

/** Split a location `2024/05/IMG_0001.HEIC` into folder and name. */
export function splitLocation(location: string): { folder: string; name: string } {
  const slash = location.lastIndexOf('/');
  return { folder: location.slice(0, slash), name: location.slice(slash + 1) };
}

/**
 * Memory: a large backup keeps 150,000 entries here for as long as the destination is open (in
 * the app's main process), so bytes per entry count (bench/local-index-memory.ts). Hence:
 * - an entry is kept as a fresh object of one fixed shape (the parsed journal object carries
 *   spare property slots);
 * - strings with few distinct values (phone, role, time source) are kept once; equal strings of
 *   one entry, and a stem equal to its group's, share one copy;
 * - groups are found by phone then asset id (strings the entries hold anyway), not by a key
 *   string built per asset, and a group is usually its first file's entry (GroupRecord);
 * - names and stems are compared by collision key without keeping the keys (collision-map.ts).
 */
export class LocalIndex {
  readonly entries = new Map<string, LocalIndexEntry>();
  /** Intents not yet committed (only meaningful while loading). */
  readonly pending = new Map<string, LocalIndexEntry>();
  private readonly bySha256 = new Map<string, string>();
  private readonly byMd5 = new Map<string, string>();
  /** sourceDevice → assetId → group */
  private readonly groups = new Map<string, Map<string, GroupRecord>>();
  private readonly folders = new Map<string, FolderClaims>();
  /** Strings with few distinct values, each kept once. */
  private readonly pool = new Map<string, string>();

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

  /** Index a stored file. The index keeps its own compact copy of `entry`. */
  add(entry: LocalIndexEntry): void {
    const { folder, name } = splitLocation(entry.location);
    const claims = this.claims(folder);
    const known = this.groupRecord(entry);
    const stored = this.compact(entry, known);
    const group = known ?? this.keepGroup(stored);
    this.entries.set(stored.location, stored);
    if (!this.bySha256.has(stored.hashes.sha256)) this.bySha256.set(stored.hashes.sha256, stored.location);
    const { md5 } = stored.hashes;
    if (md5 !== undefined && !this.byMd5.has(md5)) this.byMd5.set(md5, stored.location);
    claims.names.set(collisionKey(name), stored.location);
    claims.stems.set(collisionKey(stored.stem), stemClaim(group, stored.stem));
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
    // must land beside them again. (If this entry stands for its group, it stays as its record.)
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

  /** The group of `asset`'s files, once its first file is stored or its stem claimed. */
  group(asset: AssetRef): AssetGroup | undefined {
    const record = this.groupRecord(asset);
    if (record === undefined || !('location' in record)) return record;
    const { sourceDevice, assetId, stem, location } = record;
    return { sourceDevice, assetId, stem, folder: splitLocation(location).folder };
  }

  /** The asset that owns this stem in `folder` (by collision key), if any. */
  stemOwner(folder: string, stem: string): AssetRef | undefined {
    const claim = this.folders.get(folder)?.stems.get(collisionKey(stem));
    return claim && 'group' in claim ? claim.group : claim;
  }

  /** Whether a stored file in `folder` already has this name (by collision key). */
  nameTaken(folder: string, name: string): boolean {
    return this.folders.get(folder)?.names.has(collisionKey(name)) ?? false;
  }

  /** Hold a name for a file being committed, so another file of the same batch cannot take it. */
  reserveName(folder: string, name: string): void {
    const claims = this.claims(folder);
    claims.names.set(collisionKey(name), `${claims.folder}/${name}`);
  }

  /** Give back a reserved name whose file never landed. */
  releaseName(folder: string, name: string): void {
    this.folders.get(folder)?.names.delete(collisionKey(name));
  }

  /** Claim a stem for an asset's group before its first file is written. */
  claimStem(folder: string, stem: string, asset: AssetRef): void {
    const claims = this.claims(folder);
    const group =
      this.groupRecord(asset) ??
      this.keepGroup({
        sourceDevice: this.intern(asset.sourceDevice),
        assetId: asset.assetId,
        folder: claims.folder,
        stem,
      });
    claims.stems.set(collisionKey(stem), stemClaim(group, stem));
  }

  private groupRecord(asset: AssetRef): GroupRecord | undefined {
    return this.groups.get(asset.sourceDevice)?.get(asset.assetId);
  }

  /** File `record` as its asset's group. */
  private keepGroup(record: GroupRecord): GroupRecord {
    let byAsset = this.groups.get(record.sourceDevice);
    if (!byAsset) {
      byAsset = new Map();
      this.groups.set(record.sourceDevice, byAsset);
    }
    byAsset.set(record.assetId, record);
    return record;
  }

  /** `entry` as one fixed-shape object, sharing every string it can (see the class comment). */
  private compact(entry: LocalIndexEntry, group: GroupRecord | undefined): LocalIndexEntry {
    const { hashes, captureTime, alsoReferencedBy } = entry;
    const stored: LocalIndexEntry = {
      location: entry.location,
      stem: group && entry.stem === group.stem ? group.stem : entry.stem,
      size: entry.size,
      hashes: hashes.md5 === undefined ? { sha256: hashes.sha256 } : { sha256: hashes.sha256, md5: hashes.md5 },
      assetId: group ? group.assetId : entry.assetId,
      sourceDevice: this.intern(entry.sourceDevice),
      role: this.intern(entry.role),
      assetName: entry.assetName,
      fileName: entry.fileName === entry.assetName ? entry.assetName : entry.fileName,
      captureTime: captureTime && {
        utcMs: captureTime.utcMs,
        offsetMinutes: captureTime.offsetMinutes,
        source: this.intern(captureTime.source),
      },
      modifiedMs: entry.modifiedMs,
      storedAtMs: entry.storedAtMs,
    };
    if (alsoReferencedBy) stored.alsoReferencedBy = alsoReferencedBy.map((ref) => ({ ...ref }));
    return stored;
  }

  private intern<T extends string>(text: T): T {
    const known = this.pool.get(text);
    if (known !== undefined) return known as T;
    this.pool.set(text, text);
    return text;
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
      claims = {
        folder,
        stems: new CollisionMap((claim) => collisionKey(claim.stem)),
        names: new CollisionMap((location) => collisionKey(splitLocation(location).name)),
      };
      this.folders.set(folder, claims);
    }
    return claims;
  }
}

/** How `group` claims `stem`: by itself when it is its own stem (no extra object). */
function stemClaim(group: GroupRecord, stem: string): GroupRecord | StemClaim {
  return stem === group.stem ? group : { stem, group };
}
