import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from './migrations.js';

export type Db = Database.Database;

const BUSY_TIMEOUT_MS = 5_000;

/**
 * Switching a new file to WAL needs a moment of exclusive access, and SQLite answers SQLITE_BUSY
 * there without calling the busy handler when another process is in the middle of the same switch
 * (measured: 1 of 18 opens failed with busy_timeout alone). So the switch is retried until the timeout.
 */
function switchToWal(db: Db): void {
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() >= deadline) throw error;
      // A synchronous pause: openDatabase is synchronous, and this happens only at start-up.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.min(10 * attempt, 100));
    }
  }
}

/**
 * Opens (and migrates) the SQLite database. WAL lets the server and the worker, two processes, read
 * while the other writes; busy_timeout makes a writer wait for the other instead of failing.
 *
 * The file is private to its owner (0600); SQLite gives its `-wal` and `-shm` files the database
 * file's mode, so they are private too.
 */
export function openDatabase(file: string): Db {
  if (file !== ':memory:') {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    closeSync(openSync(file, 'a', 0o600));
    // A file made by an older Rockpool (or under another umask) may be 0644.
    chmodSync(file, 0o600);
  }
  const db = new Database(file);
  // First: the server and the worker open the same new file at once, and switching it to WAL needs
  // a moment of exclusive access; without a timeout the loser fails with "database is locked".
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  switchToWal(db);
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
}
