#!/usr/bin/env bash
# Writes health-v1.db: a health.db of schema version 1, as main at a327edd wrote it (the tables of
# version 0 with the index windows_camera_end, WAL, user_version 1), with an alert and three
# windows of camera cam-1, for SqliteHealthStoreTest's upgrade test from version 1. Run it here to make it again:
#   ./make-health-v1.sh   (needs Debian's sqlite3)
set -euo pipefail
cd "$(dirname "$0")"
rm -f health-v1.db
sqlite3 health-v1.db <<'SQL'
PRAGMA journal_mode=WAL;
CREATE TABLE IF NOT EXISTS baseline (camera TEXT PRIMARY KEY, model TEXT NOT NULL, learnt_at TEXT NOT NULL, json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS windows (id INTEGER PRIMARY KEY AUTOINCREMENT, camera TEXT NOT NULL, model TEXT NOT NULL, start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL, seen INTEGER NOT NULL, inferred INTEGER NOT NULL, empty INTEGER NOT NULL, empty_call_ms REAL NOT NULL, errors INTEGER NOT NULL, call_ms REAL NOT NULL, inference_p95_ms REAL NOT NULL, version TEXT NOT NULL, classes TEXT NOT NULL, rolled INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS windows_end ON windows (end_ms);
CREATE INDEX IF NOT EXISTS windows_camera_end ON windows (camera, end_ms);
CREATE TABLE IF NOT EXISTS alerts (id INTEGER PRIMARY KEY AUTOINCREMENT, camera TEXT NOT NULL, signal TEXT NOT NULL, firing INTEGER NOT NULL, at TEXT NOT NULL, baseline REAL, current REAL, message TEXT);
INSERT INTO alerts (camera, signal, firing, at, baseline, current, message) VALUES ('cam-1', 'throughput_drop', 1, '2026-12-02T11:00:00Z', 10.0, 2.0, 'fps fell from 10.0 to 2.0');
INSERT INTO windows (camera, model, start_ms, end_ms, seen, inferred, empty, empty_call_ms, errors, call_ms, inference_p95_ms, version, classes, rolled) VALUES
 ('cam-1', 'm/1', 1764673140000, 1764673200000, 50, 50, 0, 0.0, 0, 1000.0, 30.0, 'edgewatch-0.1.0', '[{"name":"person","count":3,"frames":2,"confidenceSum":2.1,"callMillis":40.0,"min":0.5,"max":0.9,"bins":{"70":3}}]', 0),
 ('cam-1', 'm/1', 1764673200000, 1764673260000, 40, 40, 0, 0.0, 0, 800.0, 30.0, 'edgewatch-0.1.0', '[{"name":"person","count":3,"frames":2,"confidenceSum":2.1,"callMillis":40.0,"min":0.5,"max":0.9,"bins":{"70":3}}]', 0),
 ('cam-1', 'm/1', 1764673260000, 1764673320000, 30, 30, 0, 0.0, 0, 600.0, 30.0, 'edgewatch-0.1.0', '[]', 0);
PRAGMA user_version = 1;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
rm -f health-v1.db-wal health-v1.db-shm
