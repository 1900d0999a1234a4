import { randomBytes } from 'node:crypto';
import {
  type BootPath,
  DEFAULT_IDLE_TIMEOUT_MINUTES,
  type WorkspacePhase,
  type WorkspaceRecord,
  type WorkspaceState,
} from '@rockpool/model';
import type { Db } from './database.js';

/** A workspace as stored (the model's record; the API adds URLs, ports and actions). */
export type Workspace = WorkspaceRecord;

interface WorkspaceRow {
  id: string;
  name: string;
  state: WorkspaceState;
  phase: WorkspacePhase;
  cpus: number;
  memory_mib: number;
  error: string | null;
  notice: string | null;
  disk_bytes: number | null;
  boot_path: BootPath | null;
  idle_timeout_minutes: number;
  active_at: string | null;
  owner: string;
  created_at: string;
  updated_at: string;
}

function fromRow(row: WorkspaceRow): Workspace {
  return {
    id: row.id,
    name: row.name,
    state: row.state,
    phase: row.phase,
    cpus: row.cpus,
    memoryMiB: row.memory_mib,
    error: row.error,
    notice: row.notice,
    diskBytes: row.disk_bytes,
    bootPath: row.boot_path,
    idleTimeoutMinutes: row.idle_timeout_minutes,
    activeAt: row.active_at,
    owner: row.owner,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function newWorkspaceId(): string {
  return `ws_${randomBytes(9).toString('base64url').replace(/[-_]/g, 'x')}`;
}

export interface Page<T> {
  items: T[];
  /** Pass back as `cursor` for the next page; absent on the last page. */
  nextCursor?: string;
}

export class WorkspaceStore {
  constructor(
    private readonly db: Db,
    /** Milliseconds since the epoch; every `created_at`/`updated_at` (and so each phase's time) comes from it. */
    private readonly now: () => number = Date.now,
  ) {}

  insert(input: {
    name: string;
    cpus: number;
    memoryMiB: number;
    owner: string;
    /** Default 60; 0 = never. */
    idleTimeoutMinutes?: number;
  }): Workspace {
    const now = this.#timestamp();
    const row: WorkspaceRow & { wake_token: string } = {
      id: newWorkspaceId(),
      name: input.name,
      state: 'creating',
      phase: 'queued',
      cpus: input.cpus,
      memory_mib: input.memoryMiB,
      error: null,
      notice: null,
      disk_bytes: null,
      boot_path: null,
      idle_timeout_minutes: input.idleTimeoutMinutes ?? DEFAULT_IDLE_TIMEOUT_MINUTES,
      active_at: null,
      owner: input.owner,
      created_at: now,
      updated_at: now,
      wake_token: randomBytes(32).toString('base64url'),
    };
    this.db
      .prepare(
        `INSERT INTO workspaces (id, name, state, phase, cpus, memory_mib, error, notice, disk_bytes, boot_path,
                                 idle_timeout_minutes, active_at, owner, created_at, updated_at, wake_token)
         VALUES (@id, @name, @state, @phase, @cpus, @memory_mib, @error, @notice, @disk_bytes, @boot_path,
                 @idle_timeout_minutes, @active_at, @owner, @created_at, @updated_at, @wake_token)`,
      )
      .run(row);
    return fromRow(row);
  }

  /** By id (`ws_...`) or by name: ids contain an underscore, which names never do. */
  find(idOrName: string): Workspace | undefined {
    const row = this.db
      .prepare('SELECT * FROM workspaces WHERE id = ? OR name = ?')
      .get(idOrName, idOrName) as WorkspaceRow | undefined;
    return row && fromRow(row);
  }

  all(): Workspace[] {
    return (this.db.prepare('SELECT * FROM workspaces ORDER BY name').all() as WorkspaceRow[]).map(fromRow);
  }

  /** Ordered by name; the cursor is the last name of the previous page. With `owner`, theirs only. */
  list(options: { limit: number; cursor?: string; owner?: string }): Page<Workspace> {
    const rows = this.db
      .prepare('SELECT * FROM workspaces WHERE name > ? AND (? IS NULL OR owner = ?) ORDER BY name LIMIT ?')
      .all(
        options.cursor ?? '',
        options.owner ?? null,
        options.owner ?? null,
        options.limit + 1,
      ) as WorkspaceRow[];
    const items = rows.slice(0, options.limit).map(fromRow);
    const last = items.at(-1);
    return rows.length > options.limit && last ? { items, nextCursor: last.name } : { items };
  }

  /** Changes whenever any workspace or port changes: a cheap check before re-reading everything. */
  fingerprint(): string {
    const row = this.db
      .prepare(
        `SELECT (SELECT COUNT(*) FROM workspaces) || ':' || (SELECT IFNULL(MAX(updated_at), '') FROM workspaces) || ':' ||
                (SELECT COUNT(*) FROM ports) || ':' || (SELECT IFNULL(MAX(checked_at), '') FROM ports) || ':' ||
                (SELECT IFNULL(MAX(created_at), '') FROM ports) AS f`,
      )
      .get() as { f: string };
    return row.f;
  }

  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM workspaces').get() as { n: number }).n;
  }

  /**
   * Compare-and-set: moves the workspace to `to` only if its state is one of `from`. Returns the
   * updated workspace, or undefined if the state had already moved on (someone else won).
   */
  transition(
    id: string,
    from: readonly WorkspaceState[],
    to: { state: WorkspaceState; phase: WorkspacePhase; error?: string | null },
  ): Workspace | undefined {
    const placeholders = from.map(() => '?').join(', ');
    const result = this.db
      .prepare(
        `UPDATE workspaces SET state = ?, phase = ?, error = ?, updated_at = ?
         WHERE id = ? AND state IN (${placeholders})`,
      )
      .run(to.state, to.phase, to.error ?? null, this.#timestamp(), id, ...from);
    return result.changes === 1 ? this.find(id) : undefined;
  }

  /** Records progress within the current state; no-op if the state moved on. */
  setPhase(id: string, state: WorkspaceState, phase: WorkspacePhase): void {
    this.db
      .prepare('UPDATE workspaces SET phase = ?, updated_at = ? WHERE id = ? AND state = ?')
      .run(phase, this.#timestamp(), id, state);
  }

  /** What the user should know about the last start or suspend (null: nothing); no-op if the state moved on. */
  setNotice(id: string, state: WorkspaceState, notice: string | null): void {
    this.db
      .prepare(
        'UPDATE workspaces SET notice = ?, updated_at = ? WHERE id = ? AND state = ? AND notice IS NOT ?',
      )
      .run(notice, this.#timestamp(), id, state, notice);
  }

  /** How its VM came up on the last start (with setNotice for the why); no-op if the state moved on. */
  setBootPath(id: string, state: WorkspaceState, bootPath: BootPath): void {
    this.db
      .prepare('UPDATE workspaces SET boot_path = ?, updated_at = ? WHERE id = ? AND state = ?')
      .run(bootPath, this.#timestamp(), id, state);
  }

  /**
   * Records the bytes the workspace takes on disk. A change under `minChange` bytes is not written:
   * a running guest's disk grows all the time, and every write is an update pushed to every
   * dashboard. True when it was written.
   */
  setDiskBytes(id: string, bytes: number, minChange = 0): boolean {
    return (
      this.db
        .prepare(
          `UPDATE workspaces SET disk_bytes = ?, updated_at = ?
           WHERE id = ? AND (disk_bytes IS NULL OR abs(disk_bytes - ?) >= MAX(?, 1))`,
        )
        .run(bytes, this.#timestamp(), id, bytes, minChange).changes === 1
    );
  }

  /** Sets the idle timeout (minutes, 0 = never); the updated workspace, or undefined if none has that id. */
  setIdleTimeout(id: string, minutes: number): Workspace | undefined {
    const changed = this.db
      .prepare('UPDATE workspaces SET idle_timeout_minutes = ?, updated_at = ? WHERE id = ?')
      .run(minutes, this.#timestamp(), id).changes;
    return changed === 1 ? this.find(id) : undefined;
  }

  /**
   * Records that the workspace was active at `at` (ms since the epoch). Never moves the time back,
   * and a move under `minChangeMs` is not written: every write is an update pushed to every
   * dashboard. True when it was written.
   */
  markActive(id: string, at: number, minChangeMs = 0): boolean {
    // Every active_at is written by toISOString, so the strings compare as the times do.
    const latest = new Date(at - Math.max(minChangeMs, 1)).toISOString();
    return (
      this.db
        .prepare(
          `UPDATE workspaces SET active_at = ?, updated_at = ?
           WHERE id = ? AND (active_at IS NULL OR active_at <= ?)`,
        )
        .run(new Date(at).toISOString(), this.#timestamp(), id, latest).changes === 1
    );
  }

  /**
   * The token the workspace's wake route carries (see the server's wake handler): never part of
   * the workspace as the API shows it.
   */
  wakeToken(id: string): string | undefined {
    const row = this.db.prepare('SELECT wake_token FROM workspaces WHERE id = ?').get(id) as
      | { wake_token: string | null }
      | undefined;
    return row?.wake_token ?? undefined;
  }

  /** When each phase began, oldest first (a restart appends the phases again). */
  phaseHistory(id: string): { phase: WorkspacePhase; at: string }[] {
    return this.db
      .prepare('SELECT phase, at FROM workspace_phases WHERE workspace_id = ? ORDER BY rowid')
      .all(id) as { phase: WorkspacePhase; at: string }[];
  }

  delete(id: string): boolean {
    return this.db.prepare('DELETE FROM workspaces WHERE id = ?').run(id).changes === 1;
  }

  #timestamp(): string {
    return new Date(this.now()).toISOString();
  }
}
