import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate } from './migrations.js';
import { PortStore } from './ports.js';
import { WorkspaceStore } from './workspaces.js';

describe('migrate', () => {
  it('adds the suspend states to a database made before them, keeping every row, port and phase', () => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, 4);
    db.exec(`INSERT INTO workspaces (id, name, state, phase, cpus, memory_mib, owner, created_at, updated_at)
             VALUES ('ws_1', 'alice', 'running', 'ready', 2, 2048, 'admin', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z');
             INSERT INTO ports (workspace_id, port, created_at) VALUES ('ws_1', 3000, '2026-01-01T00:00:00.000Z');`);
    expect(() => db.exec(`UPDATE workspaces SET state = 'suspended'`)).toThrow(/CHECK/);

    migrate(db);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    const store = new WorkspaceStore(db);
    expect(store.find('alice')).toMatchObject({
      id: 'ws_1',
      state: 'running',
      notice: null,
      diskBytes: null,
      bootPath: null,
      idleTimeoutMinutes: 60,
      activeAt: null,
    });
    expect(store.wakeToken('ws_1')).toMatch(/^[0-9a-f]{64}$/);
    expect(db.prepare('SELECT port FROM ports').all()).toEqual([{ port: 3000 }]);
    expect(store.transition('ws_1', ['running'], { state: 'suspended', phase: 'suspended' })?.state).toBe(
      'suspended',
    );
    // The phase triggers came back with the table.
    expect(store.phaseHistory('ws_1').map((h) => h.phase)).toEqual(['ready', 'suspended']);
    expect(() => db.exec(`UPDATE workspaces SET state = 'sleeping'`)).toThrow(/CHECK/);
    // Ports still belong to their workspace: deleting it deletes them.
    store.delete('ws_1');
    expect(db.prepare('SELECT COUNT(*) AS n FROM ports').get()).toEqual({ n: 0 });
    db.close();
  });

  it('keeps the ports forwarded before sharing levels owner-only, and refuses an unknown level', () => {
    const db = new Database(':memory:');
    migrate(db, 6);
    db.exec(`INSERT INTO workspaces (id, name, state, phase, cpus, memory_mib, owner, created_at, updated_at)
             VALUES ('ws_1', 'alice', 'running', 'ready', 2, 2048, 'alice', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z');
             INSERT INTO ports (workspace_id, port, created_at) VALUES ('ws_1', 3000, '2026-01-01T00:00:00.000Z');`);
    migrate(db);
    const ports = new PortStore(db);
    expect(ports.list('ws_1')).toMatchObject([{ port: 3000, sharing: 'private' }]);
    expect(ports.setSharing('ws_1', 3000, 'authenticated')).toMatchObject({ sharing: 'authenticated' });
    expect(ports.setSharing('ws_1', 4000, 'public')).toBeUndefined();
    expect(() => db.exec(`UPDATE ports SET sharing = 'everyone'`)).toThrow(/CHECK/);
    db.close();
  });
});
