import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from './migrations.js';

export type Db = Database.Database;

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
  db.pragma('busy_timeout = 5000');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
}
