/**
 * The first schema. STRICT tables, so a wrong type is refused instead of stored.
 *
 * Assets come from *sources*: each phone's library and each destination's own index (the
 * "account"). The same photo seen on two phones and in the account is three asset rows that share
 * a content id (the original's SHA-256, once known), which the timeline shows as one item. An
 * asset's timeline group is `coalesce(content_id, -id)`: its content, else itself. Integer group
 * keys keep the timeline indexes small (a third faster than 71-character text keys).
 */
export const initialSchema = `
CREATE TABLE devices (
  id            INTEGER PRIMARY KEY,
  udid          TEXT NOT NULL UNIQUE,
  name          TEXT NOT NULL DEFAULT '',
  model         TEXT NOT NULL DEFAULT '',
  os_version    TEXT NOT NULL DEFAULT '',
  first_seen_ms INTEGER NOT NULL,
  last_seen_ms  INTEGER NOT NULL
) STRICT;

CREATE TABLE destinations (
  id         TEXT PRIMARY KEY,
  kind       TEXT NOT NULL,
  name       TEXT NOT NULL DEFAULT '',
  created_ms INTEGER NOT NULL
) STRICT;

CREATE TABLE sources (
  id             INTEGER PRIMARY KEY,
  device_id      INTEGER UNIQUE REFERENCES devices(id) ON DELETE CASCADE,
  destination_id TEXT UNIQUE REFERENCES destinations(id) ON DELETE CASCADE,
  CHECK ((device_id IS NULL) <> (destination_id IS NULL))
) STRICT;

CREATE TABLE contents (
  id     INTEGER PRIMARY KEY,
  sha256 TEXT NOT NULL UNIQUE
) STRICT;

CREATE TABLE assets (
  id                 INTEGER PRIMARY KEY,
  source_id          INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
  asset_key          TEXT NOT NULL,
  kind               TEXT NOT NULL,
  original_name      TEXT NOT NULL,
  capture_utc_ms     INTEGER,
  capture_offset_min INTEGER,
  capture_source     TEXT,
  local_day          INTEGER,
  favorite           INTEGER NOT NULL DEFAULT 0,
  hidden             INTEGER NOT NULL DEFAULT 0,
  recently_deleted   INTEGER NOT NULL DEFAULT 0,
  icloud_only        INTEGER NOT NULL DEFAULT 0,
  content_id         INTEGER REFERENCES contents(id),
  fingerprint        TEXT NOT NULL,
  first_seen_ms      INTEGER NOT NULL,
  updated_ms         INTEGER NOT NULL,
  removed_ms         INTEGER,
  UNIQUE (source_id, asset_key)
) STRICT;
-- The timeline reads only these two indexes, never the table. assets_timeline: a range of local
-- days with everything a timeline item shows. assets_group: every member of a group with what its
-- badges need. Both carry removed_ms as a column rather than being partial indexes (WHERE
-- removed_ms IS NULL): SQLite re-checks a partial index's condition against the table row, which
-- would cost a table read per row and defeat covering.
-- (local_day, group) first, so day buckets count distinct groups in index order, without sorting.
CREATE INDEX assets_timeline ON assets(
  local_day, coalesce(content_id, -id), removed_ms, capture_utc_ms, source_id, kind, original_name,
  capture_offset_min, capture_source, favorite, hidden, recently_deleted, icloud_only);
CREATE INDEX assets_group ON assets(coalesce(content_id, -id), removed_ms, source_id, recently_deleted, icloud_only);

CREATE TABLE resources (
  id        INTEGER PRIMARY KEY,
  asset_id  INTEGER NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
  role      TEXT NOT NULL,
  path      TEXT NOT NULL,
  size      INTEGER NOT NULL,
  mtime_ms  INTEGER NOT NULL,
  sha256    TEXT,
  UNIQUE (asset_id, role, path)
) STRICT;
CREATE INDEX resources_sha256 ON resources(sha256) WHERE sha256 IS NOT NULL;

CREATE TABLE copies (
  destination_id TEXT NOT NULL REFERENCES destinations(id) ON DELETE CASCADE,
  sha256         TEXT NOT NULL,
  size           INTEGER NOT NULL,
  state          TEXT NOT NULL CHECK (state IN ('unknown', 'copying', 'copied', 'verified', 'failed', 'missing')),
  location       TEXT,
  error          TEXT,
  attempts       INTEGER NOT NULL DEFAULT 0,
  created_ms     INTEGER NOT NULL,
  updated_ms     INTEGER NOT NULL,
  verified_ms    INTEGER,
  PRIMARY KEY (destination_id, sha256)
) STRICT, WITHOUT ROWID;
CREATE INDEX copies_sha256 ON copies(sha256);

CREATE TABLE runs (
  id             INTEGER PRIMARY KEY,
  kind           TEXT NOT NULL,
  device_id      INTEGER REFERENCES devices(id) ON DELETE SET NULL,
  destination_id TEXT REFERENCES destinations(id) ON DELETE SET NULL,
  state          TEXT NOT NULL CHECK (state IN ('running', 'completed', 'failed', 'cancelled', 'interrupted')),
  pid            INTEGER NOT NULL,
  started_ms     INTEGER NOT NULL,
  finished_ms    INTEGER,
  items_total    INTEGER NOT NULL DEFAULT 0,
  items_done     INTEGER NOT NULL DEFAULT 0,
  items_failed   INTEGER NOT NULL DEFAULT 0,
  bytes_total    INTEGER NOT NULL DEFAULT 0,
  bytes_done     INTEGER NOT NULL DEFAULT 0,
  error          TEXT
) STRICT;

-- Append-only: what was copied, verified and deleted, kept even when devices are forgotten.
CREATE TABLE audit_log (
  id          INTEGER PRIMARY KEY,
  at_ms       INTEGER NOT NULL,
  action      TEXT NOT NULL,
  device_udid TEXT,
  run_id      INTEGER,
  subject     TEXT,
  detail      TEXT
) STRICT;
CREATE TRIGGER audit_log_append_only_update BEFORE UPDATE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_append_only_delete BEFORE DELETE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
`;
