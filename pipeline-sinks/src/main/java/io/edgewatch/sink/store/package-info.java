/**
 * What the daemon's SQLite files (the outbox, the health store) share about surviving damaged storage.
 * {@link io.edgewatch.sink.store.SqliteSalvage} tells damage ({@code SQLITE_CORRUPT},
 * {@code SQLITE_NOTADB}, a directory or a garbage write-ahead log where the file should be) from
 * the errors a person must mend (permissions, a full disk), and mends damage itself: it moves the
 * file and its {@code -wal}/{@code -shm} aside as {@code NAME.damaged-<UTC time>}, makes a fresh
 * database with the caller's schema and copies into it, in rowid order, every row that can still be
 * read, so the daemon goes on. All of it is blocking JDBC and file work, run where the caller opens
 * its connection.
 */
package io.edgewatch.sink.store;
