import type { AccessLogRecord, AccessLogServer } from '@rockpool/model';
import type { Db } from './database.js';
import type { Page } from './workspaces.js';

/** One request through the edge, as Caddy logged it, its time in milliseconds since the epoch. */
export type AccessLogEntry = AccessLogRecord;

export interface StoredAccessLogEntry extends AccessLogEntry {
  id: number;
}

export interface AccessLogFilter {
  server?: AccessLogServer;
  /** Inclusive status range: `[404, 404]` for an exact status, `[500, 599]` for a class. */
  status?: [number, number];
  user?: string;
  /** Requests whose path starts with this. */
  pathPrefix?: string;
  /** Requests whose path contains this. */
  pathContains?: string;
  /** Inclusive bounds, milliseconds since the epoch. */
  since?: number;
  until?: number;
  limit: number;
  /** From a previous page's `nextCursor`. */
  cursor?: string;
}

export interface AccessLogRetention {
  maxRows: number;
  maxAgeMs: number;
}

/** 100 000 entries or 14 days, whichever is reached first: a few tens of MB of SQLite at most. */
export const DEFAULT_ACCESS_LOG_RETENTION: AccessLogRetention = {
  maxRows: 100_000,
  maxAgeMs: 14 * 86_400_000,
};

interface AccessLogRow {
  id: number;
  ts: number;
  server: AccessLogServer;
  method: string;
  host: string;
  path: string;
  status: number;
  duration_ms: number;
  size: number;
  user_id: string | null;
  remote_ip: string;
  user_agent: string | null;
  workspace: string | null;
  admin_access: string | null;
}

const fromRow = (row: AccessLogRow): StoredAccessLogEntry => ({
  id: row.id,
  time: row.ts,
  server: row.server,
  method: row.method,
  host: row.host,
  path: row.path,
  status: row.status,
  durationMs: row.duration_ms,
  size: row.size,
  userId: row.user_id,
  remoteIp: row.remote_ip,
  userAgent: row.user_agent,
  workspace: row.workspace,
  adminAccess: row.admin_access,
});

/** LIKE with `\` as escape: `%` and `_` in a user's filter match themselves. */
const likeEscape = (value: string) => value.replace(/[\\%_]/g, (c) => `\\${c}`);

export class AccessLogStore {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  /** Inserts a batch in one transaction (one fsync for many entries). */
  insertMany(entries: readonly AccessLogEntry[]): void {
    if (entries.length === 0) return;
    const insert = this.db.prepare(
      `INSERT INTO access_logs (ts, server, method, host, path, status, duration_ms, size, user_id, remote_ip, user_agent, workspace, admin_access)
       VALUES (@time, @server, @method, @host, @path, @status, @durationMs, @size, @userId, @remoteIp, @userAgent, @workspace, @adminAccess)`,
    );
    this.db.transaction(() => {
      for (const entry of entries) insert.run(entry);
    })();
  }

  /** Newest first; the cursor is the id of the last entry returned. */
  query(filter: AccessLogFilter): Page<StoredAccessLogEntry> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    const add = (clause: string, ...values: (string | number)[]) => {
      where.push(clause);
      params.push(...values);
    };
    if (filter.server) add('server = ?', filter.server);
    if (filter.status) add('status BETWEEN ? AND ?', ...filter.status);
    if (filter.user) add('user_id = ?', filter.user);
    if (filter.pathPrefix) add("path LIKE ? ESCAPE '\\'", `${likeEscape(filter.pathPrefix)}%`);
    if (filter.pathContains) add("path LIKE ? ESCAPE '\\'", `%${likeEscape(filter.pathContains)}%`);
    if (filter.since !== undefined) add('ts >= ?', filter.since);
    if (filter.until !== undefined) add('ts <= ?', filter.until);
    if (filter.cursor !== undefined) add('id < ?', Number(filter.cursor));
    const rows = this.db
      .prepare(
        `SELECT * FROM access_logs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`,
      )
      .all(...params, filter.limit + 1) as AccessLogRow[];
    const items = rows.slice(0, filter.limit).map(fromRow);
    const last = items.at(-1);
    return rows.length > filter.limit && last ? { items, nextCursor: String(last.id) } : { items };
  }

  /** Deletes entries older than `maxAgeMs` and all but the newest `maxRows`; returns how many went. */
  prune(retention: AccessLogRetention): number {
    return this.db.transaction(() => {
      const old = this.db
        .prepare('DELETE FROM access_logs WHERE ts < ?')
        .run(this.now() - retention.maxAgeMs);
      const excess = this.db
        .prepare(
          'DELETE FROM access_logs WHERE id <= (SELECT id FROM access_logs ORDER BY id DESC LIMIT 1 OFFSET ?)',
        )
        .run(retention.maxRows);
      return old.changes + excess.changes;
    })();
  }
}
