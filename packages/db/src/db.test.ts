import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Db, openDatabase } from './database.js';
import { JobQueue } from './jobs.js';
import { PortStore } from './ports.js';
import { WorkspaceStore } from './workspaces.js';

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

describe('WorkspaceStore on a real SQLite file', () => {
  it('persists across reopening the file', () => {
    const ws = new WorkspaceStore(db).insert({ name: 'alice', cpus: 2, memoryMiB: 2048, owner: 'admin' });
    db.close();
    db = openDatabase(join(dir, 'rockpool.db'));
    expect(new WorkspaceStore(db).find(ws.id)).toEqual(ws);
    expect(new WorkspaceStore(db).find('alice')?.id).toBe(ws.id);
  });

  it('keeps names unique', () => {
    const store = new WorkspaceStore(db);
    store.insert({ name: 'a', cpus: 1, memoryMiB: 512, owner: 'x' });
    expect(() => store.insert({ name: 'a', cpus: 1, memoryMiB: 512, owner: 'x' })).toThrow(/UNIQUE/);
  });

  it('transitions only from an allowed state (compare-and-set)', () => {
    const store = new WorkspaceStore(db);
    const ws = store.insert({ name: 'a', cpus: 1, memoryMiB: 512, owner: 'x' });
    expect(store.transition(ws.id, ['running'], { state: 'stopping', phase: 'stopping' })).toBeUndefined();
    expect(store.transition(ws.id, ['creating'], { state: 'running', phase: 'ready' })?.state).toBe(
      'running',
    );
  });

  it('records when each phase began, once per change, and forgets them with the workspace', () => {
    const store = new WorkspaceStore(db);
    const ws = store.insert({ name: 'a', cpus: 1, memoryMiB: 512, owner: 'x' });
    store.setPhase(ws.id, 'creating', 'vm_creating');
    store.setPhase(ws.id, 'creating', 'vm_creating');
    store.setPhase(ws.id, 'stopped', 'ide_starting');
    store.transition(ws.id, ['creating'], { state: 'running', phase: 'ready' });
    const history = store.phaseHistory(ws.id);
    expect(history.map((h) => h.phase)).toEqual(['queued', 'vm_creating', 'ready']);
    expect(history[0]?.at).toBe(ws.createdAt);
    expect(history[2]?.at).toBe(store.find(ws.id)?.updatedAt);
    store.delete(ws.id);
    expect(store.phaseHistory(ws.id)).toEqual([]);
  });

  it('suspends and resumes through the new states, and keeps a notice and the disk use', () => {
    const store = new WorkspaceStore(db);
    const ws = store.insert({ name: 'a', cpus: 1, memoryMiB: 512, owner: 'x' });
    expect(ws).toMatchObject({ notice: null, diskBytes: null });
    store.transition(ws.id, ['creating'], { state: 'running', phase: 'ready' });
    expect(store.transition(ws.id, ['running'], { state: 'suspending', phase: 'suspending' })?.state).toBe(
      'suspending',
    );
    expect(store.transition(ws.id, ['suspending'], { state: 'suspended', phase: 'suspended' })?.state).toBe(
      'suspended',
    );
    store.setNotice(ws.id, 'running', 'not in this state: ignored');
    store.setNotice(ws.id, 'suspended', 'memory kept');
    expect(store.find(ws.id)?.notice).toBe('memory kept');
    expect(() => db.prepare(`UPDATE workspaces SET state = 'sleeping' WHERE id = ?`).run(ws.id)).toThrow(
      /CHECK/,
    );

    expect(store.setDiskBytes(ws.id, 5_000_000, 1_000_000)).toBe(true);
    expect(store.setDiskBytes(ws.id, 5_500_000, 1_000_000)).toBe(false);
    expect(store.find(ws.id)?.diskBytes).toBe(5_000_000);
    expect(store.setDiskBytes(ws.id, 6_000_000, 1_000_000)).toBe(true);
    expect(store.setDiskBytes(ws.id, 6_000_001)).toBe(true);
    expect(store.setDiskBytes(ws.id, 6_000_001)).toBe(false);
    expect(store.find(ws.id)?.diskBytes).toBe(6_000_001);
  });

  it('keeps an idle timeout, a last-activity time that only moves forward, and a wake token', () => {
    const store = new WorkspaceStore(db);
    const ws = store.insert({ name: 'a', cpus: 1, memoryMiB: 512, owner: 'x' });
    const quiet = store.insert({ name: 'b', cpus: 1, memoryMiB: 512, owner: 'x', idleTimeoutMinutes: 0 });
    expect(ws).toMatchObject({ idleTimeoutMinutes: 60, activeAt: null });
    expect(quiet.idleTimeoutMinutes).toBe(0);
    expect(store.setIdleTimeout(ws.id, 5)?.idleTimeoutMinutes).toBe(5);
    expect(store.setIdleTimeout('ws_none', 5)).toBeUndefined();

    const t0 = Date.parse('2026-11-30T08:00:00.000Z');
    expect(store.markActive(ws.id, t0, 60_000)).toBe(true);
    expect(store.markActive(ws.id, t0 + 59_000, 60_000)).toBe(false);
    expect(store.markActive(ws.id, t0 - 120_000)).toBe(false);
    expect(store.find(ws.id)?.activeAt).toBe('2026-11-30T08:00:00.000Z');
    expect(store.markActive(ws.id, t0 + 60_000, 60_000)).toBe(true);
    expect(store.markActive(ws.id, t0 + 60_001)).toBe(true);
    expect(store.find(ws.id)?.activeAt).toBe('2026-11-30T08:01:00.001Z');

    const token = store.wakeToken(ws.id);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(store.wakeToken(quiet.id)).not.toBe(token);
    expect(JSON.stringify(store.find(ws.id))).not.toContain(token);
  });

  it('stamps every change with the time from its clock', () => {
    let now = Date.parse('2026-01-02T03:04:05.000Z');
    const store = new WorkspaceStore(db, () => now);
    const ws = store.insert({ name: 'a', cpus: 1, memoryMiB: 512, owner: 'x' });
    expect(ws).toMatchObject({
      createdAt: '2026-01-02T03:04:05.000Z',
      updatedAt: '2026-01-02T03:04:05.000Z',
    });
    now += 1_000;
    store.setPhase(ws.id, 'creating', 'vm_creating');
    now += 1_000;
    expect(store.transition(ws.id, ['creating'], { state: 'running', phase: 'ready' })).toMatchObject({
      createdAt: '2026-01-02T03:04:05.000Z',
      updatedAt: '2026-01-02T03:04:07.000Z',
    });
    expect(store.phaseHistory(ws.id)).toEqual([
      { phase: 'queued', at: '2026-01-02T03:04:05.000Z' },
      { phase: 'vm_creating', at: '2026-01-02T03:04:06.000Z' },
      { phase: 'ready', at: '2026-01-02T03:04:07.000Z' },
    ]);
  });

  it('paginates by name with a cursor', () => {
    const store = new WorkspaceStore(db);
    for (const name of ['e', 'a', 'd', 'b', 'c']) store.insert({ name, cpus: 1, memoryMiB: 512, owner: 'x' });
    const first = store.list({ limit: 2 });
    expect(first.items.map((w) => w.name)).toEqual(['a', 'b']);
    const second = store.list({ limit: 2, cursor: first.nextCursor });
    expect(second.items.map((w) => w.name)).toEqual(['c', 'd']);
    const third = store.list({ limit: 2, cursor: second.nextCursor });
    expect(third).toEqual({ items: [expect.objectContaining({ name: 'e' })] });
  });

  it("lists one owner's workspaces only, paginated the same way", () => {
    const store = new WorkspaceStore(db);
    for (const [name, owner] of [
      ['a', 'alice'],
      ['b', 'bob'],
      ['c', 'alice'],
      ['d', 'alice'],
    ])
      store.insert({ name: name as string, cpus: 1, memoryMiB: 512, owner: owner as string });
    const first = store.list({ limit: 2, owner: 'alice' });
    expect(first.items.map((w) => w.name)).toEqual(['a', 'c']);
    expect(
      store.list({ limit: 2, owner: 'alice', cursor: first.nextCursor }).items.map((w) => w.name),
    ).toEqual(['d']);
    expect(store.list({ limit: 5, owner: 'bob' }).items.map((w) => w.name)).toEqual(['b']);
  });
});

describe('PortStore', () => {
  it('refuses a duplicate and a sixth port, and cascades on workspace delete', () => {
    const ws = new WorkspaceStore(db).insert({ name: 'a', cpus: 1, memoryMiB: 512, owner: 'x' });
    const ports = new PortStore(db);
    for (const port of [3000, 3001, 3002, 3003, 3004]) expect(ports.add(ws.id, port).ok).toBe(true);
    expect(ports.add(ws.id, 3000)).toEqual({ ok: false, reason: 'duplicate' });
    expect(ports.add(ws.id, 3005)).toEqual({ ok: false, reason: 'limit' });
    new WorkspaceStore(db).delete(ws.id);
    expect(ports.list(ws.id)).toEqual([]);
  });

  it('stamps when a port was added and when it was checked with the time from its clock', () => {
    let now = Date.parse('2026-01-02T03:04:05.000Z');
    const workspaces = new WorkspaceStore(db, () => now);
    const ws = workspaces.insert({ name: 'a', cpus: 1, memoryMiB: 512, owner: 'x' });
    const ports = new PortStore(db, () => now);
    now += 1_000;
    expect(ports.add(ws.id, 3000)).toMatchObject({
      ok: true,
      port: { createdAt: '2026-01-02T03:04:06.000Z' },
    });
    now += 1_000;
    expect(ports.setListening(ws.id, 3000, true)).toBe(true);
    // The dashboard's change fingerprint carries the latest check.
    expect(workspaces.fingerprint()).toBe(
      '1:2026-01-02T03:04:05.000Z:1:2026-01-02T03:04:07.000Z:2026-01-02T03:04:06.000Z',
    );
  });
});

describe('JobQueue', () => {
  it('runs the jobs of one workspace in order, one at a time, and others in parallel', () => {
    const queue = new JobQueue(db);
    const a1 = queue.enqueue('a', 'provision');
    const a2 = queue.enqueue('a', 'stop');
    const b1 = queue.enqueue('b', 'provision');
    expect(queue.claim('w1', 10_000)?.id).toBe(a1.id);
    expect(queue.claim('w2', 10_000)?.id).toBe(b1.id);
    expect(queue.claim('w3', 10_000)).toBeUndefined();
    queue.complete(a1.id, 'w1');
    expect(queue.claim('w3', 10_000)?.id).toBe(a2.id);
  });

  it('hands a job whose worker died to the next worker once the lease expires', () => {
    let now = 1_000;
    const queue = new JobQueue(db, () => now);
    const job = queue.enqueue('a', 'provision');
    expect(queue.claim('dead', 5_000)?.attempts).toBe(1);
    expect(queue.claim('next', 5_000)).toBeUndefined();
    now += 5_001;
    const again = queue.claim('next', 5_000);
    expect(again).toMatchObject({ id: job.id, attempts: 2, leaseOwner: 'next' });
    // The dead worker can no longer complete or extend it.
    expect(queue.extendLease(job.id, 'dead', 5_000)).toBe(false);
  });

  it('retries a failed job later, then gives up after max attempts', () => {
    let now = 0;
    const queue = new JobQueue(db, () => now);
    const job = queue.enqueue('a', 'provision', {}, 2);
    queue.claim('w', 1_000);
    expect(queue.fail(job.id, 'w', 'boom', 500)).toBe('queued');
    expect(queue.claim('w', 1_000)).toBeUndefined();
    now = 600;
    expect(queue.claim('w', 1_000)?.attempts).toBe(2);
    expect(queue.fail(job.id, 'w', 'boom again', 500)).toBe('failed');
    expect(queue.get(job.id)).toMatchObject({ state: 'failed', lastError: 'boom again' });
  });

  it('survives a reopen of the database (durable)', () => {
    const queue = new JobQueue(db);
    const job = queue.enqueue('a', 'add_port', { port: 3000 });
    db.close();
    db = openDatabase(join(dir, 'rockpool.db'));
    expect(new JobQueue(db).claim('w', 1_000)).toMatchObject({ id: job.id, payload: { port: 3000 } });
  });
});
