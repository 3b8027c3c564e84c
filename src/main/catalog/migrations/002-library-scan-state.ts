/**
 * What the last complete library scan of each phone saw (library/scan-state.ts): a fingerprint
 * of its library files and the report it produced, so an unchanged phone is not rescanned.
 * `IF NOT EXISTS` because the scanner creates the same table on first use in catalogs made
 * before this migration.
 */
export const libraryScanState = `
CREATE TABLE IF NOT EXISTS library_scan_state (
  device_id   INTEGER PRIMARY KEY REFERENCES devices(id) ON DELETE CASCADE,
  fingerprint TEXT NOT NULL,
  report      TEXT NOT NULL,
  scanned_ms  INTEGER NOT NULL
) STRICT;
`;
