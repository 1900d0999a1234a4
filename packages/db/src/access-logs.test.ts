import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AccessLogEntry, AccessLogStore } from './access-logs.js';
import { type Db, openDatabase } from './database.js';

let dir: string;
let db: Db;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rockpool-db-'));
  db = openDatabase(join(dir, 'rockpool.db'));
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const entry = (overrides: Partial<AccessLogEntry>): AccessLogEntry => ({
  time: 1_000,
  server: 'control-plane',
  method: 'GET',
  host: 'localhost:8080',
  path: '/api/workspaces',
  status: 200,
  durationMs: 1.5,
  size: 10,
  userId: 'admin',
  remoteIp: '127.0.0.1',
  userAgent: 'curl/8',
  workspace: null,
  adminAccess: null,
  ...overrides,
});

describe('AccessLogStore on a real SQLite file', () => {
  it('filters by server, status range, user, path and time, newest first', () => {
    const store = new AccessLogStore(db);
    store.insertMany([
      entry({ time: 1_000 }),
      entry({ time: 2_000, status: 404, path: '/api/nope' }),
      entry({ time: 3_000, server: 'workspaces', path: '/workspace/a/', workspace: 'a', userId: 'bob' }),
      entry({ time: 4_000, status: 502, path: '/workspace/a/port/3000/x_y%z', server: 'workspaces' }),
    ]);
    const paths = (filter: Parameters<AccessLogStore['query']>[0]) =>
      store.query(filter).items.map((e) => e.path);
    expect(paths({ limit: 10 })).toEqual([
      '/workspace/a/port/3000/x_y%z',
      '/workspace/a/',
      '/api/nope',
      '/api/workspaces',
    ]);
    expect(paths({ limit: 10, server: 'control-plane' })).toEqual(['/api/nope', '/api/workspaces']);
    expect(paths({ limit: 10, status: [404, 404] })).toEqual(['/api/nope']);
    expect(paths({ limit: 10, status: [500, 599] })).toEqual(['/workspace/a/port/3000/x_y%z']);
    expect(paths({ limit: 10, user: 'bob' })).toEqual(['/workspace/a/']);
    expect(paths({ limit: 10, pathPrefix: '/api/' })).toEqual(['/api/nope', '/api/workspaces']);
    expect(paths({ limit: 10, pathContains: 'port' })).toEqual(['/workspace/a/port/3000/x_y%z']);
    // LIKE wildcards in a filter match themselves only.
    expect(paths({ limit: 10, pathContains: '_y%' })).toEqual(['/workspace/a/port/3000/x_y%z']);
    expect(paths({ limit: 10, pathContains: '%' })).toHaveLength(1);
    expect(paths({ limit: 10, since: 2_000, until: 3_000 })).toEqual(['/workspace/a/', '/api/nope']);
  });

  it('pages with a cursor until the last page', () => {
    const store = new AccessLogStore(db);
    store.insertMany(Array.from({ length: 5 }, (_, i) => entry({ time: i, path: `/p${i}` })));
    const first = store.query({ limit: 2 });
    expect(first.items.map((e) => e.path)).toEqual(['/p4', '/p3']);
    const second = store.query({ limit: 2, cursor: first.nextCursor });
    expect(second.items.map((e) => e.path)).toEqual(['/p2', '/p1']);
    const last = store.query({ limit: 2, cursor: second.nextCursor });
    expect(last.items.map((e) => e.path)).toEqual(['/p0']);
    expect(last.nextCursor).toBeUndefined();
  });

  it('prunes by age and by row count', () => {
    let now = 10_000;
    const store = new AccessLogStore(db, () => now);
    store.insertMany(Array.from({ length: 10 }, (_, i) => entry({ time: i * 1_000, path: `/p${i}` })));
    // Older than 5 s at t=10 s: p0..p4 go.
    expect(store.prune({ maxRows: 100, maxAgeMs: 5_000 })).toBe(5);
    expect(store.prune({ maxRows: 2, maxAgeMs: 5_000 })).toBe(3);
    expect(store.query({ limit: 10 }).items.map((e) => e.path)).toEqual(['/p9', '/p8']);
    now = 100_000;
    expect(store.prune({ maxRows: 100, maxAgeMs: 5_000 })).toBe(2);
  });
});
