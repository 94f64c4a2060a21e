#!/usr/bin/env bash
# Writes outbox-v1.db: an outbox.db of schema version 1, as main at 8c07a6a wrote it (the tables of
# the releases before versions, the indexes outbox_created and outbox_destination_created, and
# user_version 1), with three waiting entries, a dead letter and counters, for
# OutboxClockHoldTest's upgrade test from version 1. Run it here to make it again:
#   ./make-outbox-v1.sh   (needs Debian's sqlite3)
set -euo pipefail
cd "$(dirname "$0")"
rm -f outbox-v1.db outbox-v1.db-wal outbox-v1.db-shm
sqlite3 outbox-v1.db <<'SQL'
PRAGMA journal_mode=WAL;
CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, destination TEXT NOT NULL, camera_id TEXT NOT NULL, kind TEXT NOT NULL, body BLOB NOT NULL, created_at INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS outbox_destination ON outbox (destination, id);
CREATE TABLE IF NOT EXISTS dead_letter (id INTEGER PRIMARY KEY, destination TEXT NOT NULL, camera_id TEXT NOT NULL, kind TEXT NOT NULL, body BLOB NOT NULL, created_at INTEGER NOT NULL, status INTEGER NOT NULL, reason TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS destination_state (destination TEXT PRIMARY KEY, stopped INTEGER NOT NULL, reason TEXT, since INTEGER NOT NULL);
INSERT OR IGNORE INTO counters (name, value) VALUES ('accepted', 0), ('delivered', 0), ('retries', 0), ('evicted', 0);
CREATE INDEX IF NOT EXISTS outbox_created ON outbox (created_at);
CREATE INDEX IF NOT EXISTS outbox_destination_created ON outbox (destination, created_at);
INSERT INTO outbox (destination, camera_id, kind, body, created_at, attempts) VALUES
  ('rf', 'cam', 'report', CAST('one' AS BLOB), 1000, 2), ('rf', 'cam', 'metadata', CAST('two' AS BLOB), 1001, 0),
  ('other', 'cam', 'report', CAST('x' AS BLOB), 1002, 0);
INSERT INTO dead_letter VALUES (7, 'rf', 'cam', 'report', CAST('dead' AS BLOB), 999, 400, 'refused');
UPDATE counters SET value = 4 WHERE name = 'accepted';
PRAGMA user_version = 1;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
rm -f outbox-v1.db-wal outbox-v1.db-shm
