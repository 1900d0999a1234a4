import { MAX_PORTS_PER_WORKSPACE } from '@rockpool/model';
import type { Db } from './database.js';

export interface ForwardedPort {
  workspaceId: string;
  port: number;
  createdAt: string;
  /** Whether an app answers on it, as the worker last saw; null until checked. */
  listening: boolean | null;
}

interface PortRow {
  workspace_id: string;
  port: number;
  created_at: string;
  listening: number | null;
}

export type AddPortResult = { ok: true; port: ForwardedPort } | { ok: false; reason: 'duplicate' | 'limit' };

export class PortStore {
  constructor(
    private readonly db: Db,
    /** Milliseconds since the epoch: when a port was added, and when it was last checked. */
    private readonly now: () => number = Date.now,
  ) {}

  list(workspaceId: string): ForwardedPort[] {
    return (
      this.db
        .prepare('SELECT * FROM ports WHERE workspace_id = ? ORDER BY port')
        .all(workspaceId) as PortRow[]
    ).map((row) => ({
      workspaceId: row.workspace_id,
      port: row.port,
      createdAt: row.created_at,
      listening: row.listening === null ? null : row.listening === 1,
    }));
  }

  /** Checks the duplicate and the limit in the same transaction as the insert. */
  add(workspaceId: string, port: number): AddPortResult {
    return this.db
      .transaction((): AddPortResult => {
        const existing = this.list(workspaceId);
        if (existing.some((p) => p.port === port)) return { ok: false, reason: 'duplicate' };
        if (existing.length >= MAX_PORTS_PER_WORKSPACE) return { ok: false, reason: 'limit' };
        const createdAt = new Date(this.now()).toISOString();
        this.db
          .prepare('INSERT INTO ports (workspace_id, port, created_at) VALUES (?, ?, ?)')
          .run(workspaceId, port, createdAt);
        return { ok: true, port: { workspaceId, port, createdAt, listening: null } };
      })
      .immediate();
  }

  /** Records a liveness check; true if it changed what the dashboard shows. */
  setListening(workspaceId: string, port: number, listening: boolean | null): boolean {
    const value = listening === null ? null : listening ? 1 : 0;
    return (
      this.db
        .prepare(
          'UPDATE ports SET listening = ?, checked_at = ? WHERE workspace_id = ? AND port = ? AND listening IS NOT ?',
        )
        .run(value, new Date(this.now()).toISOString(), workspaceId, port, value).changes === 1
    );
  }

  remove(workspaceId: string, port: number): boolean {
    return (
      this.db.prepare('DELETE FROM ports WHERE workspace_id = ? AND port = ?').run(workspaceId, port)
        .changes === 1
    );
  }
}
