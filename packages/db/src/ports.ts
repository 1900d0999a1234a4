import type { Db } from './database.js';

export const MAX_PORTS_PER_WORKSPACE = 5;

export interface ForwardedPort {
  workspaceId: string;
  port: number;
  createdAt: string;
}

interface PortRow {
  workspace_id: string;
  port: number;
  created_at: string;
}

export type AddPortResult = { ok: true; port: ForwardedPort } | { ok: false; reason: 'duplicate' | 'limit' };

export class PortStore {
  constructor(private readonly db: Db) {}

  list(workspaceId: string): ForwardedPort[] {
    return (
      this.db
        .prepare('SELECT * FROM ports WHERE workspace_id = ? ORDER BY port')
        .all(workspaceId) as PortRow[]
    ).map((row) => ({ workspaceId: row.workspace_id, port: row.port, createdAt: row.created_at }));
  }

  /** Checks the duplicate and the limit in the same transaction as the insert. */
  add(workspaceId: string, port: number): AddPortResult {
    return this.db
      .transaction((): AddPortResult => {
        const existing = this.list(workspaceId);
        if (existing.some((p) => p.port === port)) return { ok: false, reason: 'duplicate' };
        if (existing.length >= MAX_PORTS_PER_WORKSPACE) return { ok: false, reason: 'limit' };
        const createdAt = new Date().toISOString();
        this.db
          .prepare('INSERT INTO ports (workspace_id, port, created_at) VALUES (?, ?, ?)')
          .run(workspaceId, port, createdAt);
        return { ok: true, port: { workspaceId, port, createdAt } };
      })
      .immediate();
  }

  remove(workspaceId: string, port: number): boolean {
    return (
      this.db.prepare('DELETE FROM ports WHERE workspace_id = ? AND port = ?').run(workspaceId, port)
        .changes === 1
    );
  }
}
