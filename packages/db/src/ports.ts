import { DEFAULT_PORT_SHARING, MAX_PORTS_PER_WORKSPACE, type PortSharing } from '@rockpool/model';
import type { Db } from './database.js';

export interface ForwardedPort {
  workspaceId: string;
  port: number;
  createdAt: string;
  /** Whether an app answers on it, as the worker last saw; null until checked. */
  listening: boolean | null;
  /** Who may reach it (the edge enforces it). */
  sharing: PortSharing;
}

interface PortRow {
  workspace_id: string;
  port: number;
  created_at: string;
  listening: number | null;
  sharing: PortSharing;
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
      sharing: row.sharing,
    }));
  }

  /** Checks the duplicate and the limit in the same transaction as the insert. */
  add(workspaceId: string, port: number, sharing: PortSharing = DEFAULT_PORT_SHARING): AddPortResult {
    return this.db
      .transaction((): AddPortResult => {
        const existing = this.list(workspaceId);
        if (existing.some((p) => p.port === port)) return { ok: false, reason: 'duplicate' };
        if (existing.length >= MAX_PORTS_PER_WORKSPACE) return { ok: false, reason: 'limit' };
        const createdAt = new Date(this.now()).toISOString();
        this.db
          .prepare('INSERT INTO ports (workspace_id, port, created_at, sharing) VALUES (?, ?, ?, ?)')
          .run(workspaceId, port, createdAt, sharing);
        return { ok: true, port: { workspaceId, port, createdAt, listening: null, sharing } };
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

  /** Sets who may reach a port; the port as it is now, or undefined when it is not forwarded. */
  setSharing(workspaceId: string, port: number, sharing: PortSharing): ForwardedPort | undefined {
    this.db
      .prepare('UPDATE ports SET sharing = ? WHERE workspace_id = ? AND port = ?')
      .run(sharing, workspaceId, port);
    return this.list(workspaceId).find((p) => p.port === port);
  }

  remove(workspaceId: string, port: number): boolean {
    return (
      this.db.prepare('DELETE FROM ports WHERE workspace_id = ? AND port = ?').run(workspaceId, port)
        .changes === 1
    );
  }
}
