#!/usr/bin/env bash
# Writes health-v1.db: a health.db of schema version 1, as main at a327edd wrote it: health-v0.db's
# tables and rows (made by make-health-v0.sh) with the index windows_camera_end and user_version 1,
# for SqliteHealthStoreTest's upgrade test from version 1. Run it here to make it again:
#   ./make-health-v1.sh   (needs Debian's sqlite3)
set -euo pipefail
cd "$(dirname "$0")"
./make-health-v0.sh
rm -f health-v1.db
cp health-v0.db health-v1.db
sqlite3 health-v1.db <<'SQL'
CREATE INDEX IF NOT EXISTS windows_camera_end ON windows (camera, end_ms);
PRAGMA user_version = 1;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
rm -f health-v1.db-wal health-v1.db-shm
