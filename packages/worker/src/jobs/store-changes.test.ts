import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { watchStoreChanges } from './store-changes.js';

describe('watchStoreChanges', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const databaseIn = () => {
    const dir = mkdtempSync(join(tmpdir(), 'rockpool-store-changes-'));
    dirs.push(dir);
    return join(dir, 'rockpool.db');
  };

  it('wakes a waiter when the database or its WAL changes, long before the interval', async () => {
    const db = databaseIn();
    const changes = watchStoreChanges(db);
    try {
      const woken = changes.next(60_000).then(() => 'woken');
      setTimeout(() => writeFileSync(`${db}-wal`, 'x'), 20);
      const timeout = new Promise((resolve) => setTimeout(() => resolve('timed out'), 5_000));
      expect(await Promise.race([woken, timeout])).toBe('woken');
    } finally {
      changes.close();
    }
  });

  it('ignores other files in the directory, and resolves after the interval without a change', async () => {
    const db = databaseIn();
    const changes = watchStoreChanges(db);
    try {
      let woken = false;
      const waiting = changes.next(300).then(() => {
        woken = true;
      });
      writeFileSync(join(db, '..', 'caddy.log'), 'x');
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(woken).toBe(false);
      await waiting;
      expect(woken).toBe(true);
    } finally {
      changes.close();
    }
  });

  it('lets every waiter go when closed', async () => {
    const changes = watchStoreChanges(databaseIn());
    const waiting = changes.next(60_000);
    changes.close();
    await waiting;
    await changes.next(10);
  });
});
