import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Db, openDatabase, type Stores, storesOf } from '@rockpool/db';
import { afterEach, beforeEach } from 'vitest';

export interface TempDatabase {
  dir: string;
  db: Db;
  stores: Stores;
}

/**
 * A fresh directory and SQLite database (with its stores) for every test of the calling file, closed
 * and removed after it. Call it before the file's own hooks: its set-up runs first, its clean-up last.
 */
export function useTempDatabase(prefix: string): TempDatabase {
  const current = {} as TempDatabase;
  beforeEach(() => {
    current.dir = mkdtempSync(join(tmpdir(), prefix));
    current.db = openDatabase(join(current.dir, 'rockpool.db'));
    current.stores = storesOf(current.db);
  });
  afterEach(() => {
    current.db.close();
    rmSync(current.dir, { recursive: true, force: true });
  });
  return current;
}
