/**
 * The destination interface: where backed-up files go. One shape for the local folder (a disk or
 * a NAS mount), S3 and Jottacloud, so the backup pipeline never knows which one it talks to.
 *
 * Why it looks like this:
 * - `put` takes a stream of known size, because S3 needs Content-Length and Jottacloud's
 *   allocate call needs `bytes` before the first byte is sent.
 * - Hashes travel with the item. Jottacloud refuses an upload whose MD5 is not known in advance
 *   (`capabilities.hashesNeededBeforeWrite` says so); a local folder hashes on the fly and compares
 *   at the end. Either way a mismatch discards the copy and throws `ContentMismatchError`.
 * - SHA-256 is always measured (the catalog's identity). MD5 costs more CPU than SHA-256 with the
 *   SHA extensions, so a destination only measures it when it needs it or was asked to
 *   (`capabilities.hashesMeasured`); a known MD5 given with an item is always checked.
 * - `list()` is the destination's own index (capture time, hashes, source phone, asset id), so
 *   the catalog can be rebuilt from the destination alone if the app's data is lost.
 * - A `StoredLocation` is opaque to callers: a relative path for a folder, a key for S3, a JFS
 *   path for Jottacloud. Callers only hand it back to the same destination.
 */
import type { CaptureTime, ResourceRole } from '../../shared/asset';

/** Where a destination stored a file: opaque to callers, stable for the destination. */
export type StoredLocation = string;

/** Content hashes as lowercase hex. MD5 only where measured (see `hashesMeasured`). */
export interface ContentHashes {
  sha256: string;
  md5?: string;
}

/** What reading a stored copy back measured. */
export interface StoredDigest {
  size: number;
  sha256: string;
}

/** One file to store: the key parts that decide its name, its size and what is known of its hashes. */
export interface PutItem {
  /** The asset this file belongs to (the library's id). With `sourceDevice` it forms the stem group. */
  assetId: string;
  /** Which phone it came from (UDID or another stable id): recorded in the index. */
  sourceDevice: string;
  /** The asset's capture time: decides the date folder (local date, i.e. UTC + offset). */
  captureTime: CaptureTime | null;
  /**
   * The asset's name as the user knows it (e.g. `IMG_0005.HEIC`). Its stem names every file of
   * the asset, so a Live Photo's still and video and an edit sit side by side.
   */
  assetName: string;
  /** This file's own name on the phone (`IMG_0005.MOV`, `FullSizeRender.jpg`): gives the extension. */
  fileName: string;
  role: ResourceRole;
  /** Exact size in bytes; a stream that delivers more or less is refused. */
  size: number;
  /** Hashes known before the write, if any; each given one is checked against the bytes written. */
  hashes?: Partial<ContentHashes>;
  /** Modification time on the phone, ms since the epoch; kept on the copy where possible. */
  modifiedMs?: number;
}

export interface PutOptions {
  signal?: AbortSignal;
  /** Called with the running total of bytes accepted; cheap, so callers may throttle themselves. */
  onProgress?: (bytesDone: number) => void;
}

export interface PutResult {
  location: StoredLocation;
  /** True when the same content was already stored: nothing new was written. */
  deduplicated: boolean;
  size: number;
  hashes: ContentHashes;
}

/** Another asset whose file turned out to be byte-identical to an entry already stored. */
export interface IndexReference {
  assetId: string;
  sourceDevice: string;
  role: ResourceRole;
  assetName: string;
}

/** One stored file as the destination's own index knows it. */
export interface IndexEntry {
  location: StoredLocation;
  size: number;
  hashes: ContentHashes;
  assetId: string;
  sourceDevice: string;
  role: ResourceRole;
  assetName: string;
  fileName: string;
  captureTime: CaptureTime | null;
  modifiedMs: number | null;
  storedAtMs: number;
  /** Assets deduplicated onto this same content (a photo saved twice on the phone, say). */
  alsoReferencedBy?: IndexReference[];
}

/** What `stat` finds at a location: the file itself, and the index entry if it has one. */
export interface StoredObjectInfo {
  location: StoredLocation;
  size: number;
  modifiedMs: number;
  entry: IndexEntry | null;
}

export interface RemoveOptions {
  /** Move to the destination's trash instead of deleting (ignored when it has none). */
  toTrash: boolean;
}

export interface DestinationCapabilities {
  /** Hashes that must be known before the first byte is sent (Jottacloud: `['md5']`). */
  hashesNeededBeforeWrite: ReadonlyArray<keyof ContentHashes>;
  /**
   * Hashes the destination measures on every write, returns in `PutResult` and keeps in its
   * index (so `findByHash` can answer by them). Always includes `sha256`; a local folder adds
   * `md5` only when opened with `{ md5: true }`.
   */
  hashesMeasured: ReadonlyArray<keyof ContentHashes>;
  /** Whether `remove(..., { toTrash: true })` keeps a recoverable copy. */
  hasTrash: boolean;
  /** Names differing only in case collide (Jottacloud, macOS, Windows, SMB). */
  caseInsensitive: boolean;
  /** Whether `freeSpace()` can answer (a local disk can; S3 cannot). */
  knowsFreeSpace: boolean;
}

/** A place to keep copies. See the module comment for why it is shaped this way. */
export interface Destination {
  /** `local`, `s3`, `jottacloud`: for display and settings. */
  readonly kind: string;
  /** Human description, e.g. the folder path or bucket. */
  readonly description: string;
  readonly capabilities: DestinationCapabilities;

  /**
   * Store one file. `body` must deliver exactly `item.size` bytes; `put` takes ownership of it
   * (consumes it, or destroys it when the content is already stored). When the content (by
   * SHA-256) is already stored, nothing is written and the existing location is returned.
   * Throws `ContentMismatchError` (size or hash differ), `DestinationFullError`,
   * `DestinationReadOnlyError`, `DestinationUnavailableError`, or `signal.reason` when aborted.
   * No partial file is ever left at a final location.
   */
  put(item: PutItem, body: AsyncIterable<Uint8Array>, options?: PutOptions): Promise<PutResult>;

  /** The stored file at `location`, or null when nothing is there. */
  stat(location: StoredLocation): Promise<StoredObjectInfo | null>;

  /** The index entry holding this content, or null. */
  findByHash(hashes: Partial<ContentHashes>): Promise<IndexEntry | null>;

  /** Every stored file the index knows, in no promised order. */
  list(options?: { signal?: AbortSignal }): AsyncIterable<IndexEntry>;

  /** The stored bytes, streamed, for verification. */
  openRead(location: StoredLocation, options?: { signal?: AbortSignal }): Promise<AsyncIterable<Uint8Array>>;

  /**
   * Optional: read the stored copy back in full and measure its size and SHA-256, where the
   * destination can do that cheaper than streaming `openRead` to the caller (a local folder
   * hashes on a worker thread). Null when nothing is stored at `location`.
   */
  measureStored?(location: StoredLocation, options?: { signal?: AbortSignal }): Promise<StoredDigest | null>;

  /** Delete a stored file (to the trash when asked and the destination has one). */
  remove(location: StoredLocation, options: RemoveOptions): Promise<void>;

  /** Bytes that can still be written, or null when the destination cannot know. */
  freeSpace(): Promise<number | null>;

  /** Release locks and handles. The destination is unusable afterwards. */
  close(): Promise<void>;
}
