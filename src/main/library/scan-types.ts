import type { Asset, AssetKind, ResourceRole } from '../../shared/asset';

/** Something the user should know about one file or the scan; `path` names the file when there is one. */
export interface ScanWarning {
  code: string;
  message: string;
  path?: string;
}

export interface ScanProgress {
  phase: 'fingerprint' | 'library-copy' | 'library-read' | 'check-files' | 'dcim-list' | 'dcim-headers' | 'catalog';
  done: number;
  total: number;
}

/** The catalog's view of a phone before this scan, by asset id. */
export type PriorAssets = ReadonlyMap<string, Asset>;

/** What a scanner found. */
export interface ScannedAssets {
  assets: Asset[];
  warnings: ScanWarning[];
  /** Files the library names that are not on the phone. */
  missingFiles: number;
}

/** A resource's role and path: the key resources are matched by across scans. */
export const resourceKey = (r: { role: ResourceRole; path: string }) => `${r.role}\0${r.path}`;

export type KindCounts = Partial<Record<AssetKind, number>>;
