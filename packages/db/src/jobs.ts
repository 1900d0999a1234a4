import type { Db } from './database.js';

export type JobKind =
  | 'provision'
  | 'start'
  | 'stop'
  | 'suspend'
  | 'delete'
  | 'add_port'
  | 'remove_port'
  | 'sync_users';

/**
 * A job's `workspaceId` is its subject: jobs of one subject run one at a time, in order. The users'
 * jobs (`sync_users`: the edge's basic-auth accounts made to match the users table) have this one.
 */
export const USERS_JOB_SUBJECT = 'users';
export type JobState = 'queued' | 'running' | 'done' | 'failed';

export interface Job {
  id: number;
  workspaceId: string;
  kind: JobKind;
  payload: Record<string, unknown>;
  state: JobState;
  /** Claims so far, this one included: a crash mid-job shows up as an extra attempt. */
  attempts: number;
  maxAttempts: number;
  lastError: string | null;
  leaseOwner: string | null;
}

interface JobRow {
  id: number;
  workspace_id: string;
  kind: JobKind;
  payload: string;
  state: JobState;
  attempts: number;
  max_attempts: number;
  last_error: string | null;
  lease_owner: string | null;
}

function fromRow(row: JobRow): Job {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    kind: row.kind,
    payload: JSON.parse(row.payload) as Record<string, unknown>,
    state: row.state,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    lastError: row.last_error,
    leaseOwner: row.lease_owner,
  };
}

/** Runnable: queued and due, or running under a lease that expired (its worker died). */
const RUNNABLE = `((j.state = 'queued' AND j.run_after <= @now) OR (j.state = 'running' AND j.lease_expires_at < @now))`;
/** Jobs of one workspace run one at a time, in the order they were enqueued. */
const HEAD_OF_ITS_WORKSPACE = `NOT EXISTS (
  SELECT 1 FROM jobs e WHERE e.workspace_id = j.workspace_id AND e.id < j.id AND e.state IN ('queued', 'running'))`;

/**
 * A durable job queue in SQLite. A claimed job carries a lease; if its worker dies, the lease
 * expires and another claim picks the job up again, so every job step must be idempotent.
 */
export class JobQueue {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  enqueue(workspaceId: string, kind: JobKind, payload: Record<string, unknown> = {}, maxAttempts = 3): Job {
    const now = this.now();
    const { lastInsertRowid } = this.db
      .prepare(
        `INSERT INTO jobs (workspace_id, kind, payload, state, max_attempts, run_after, created_at, updated_at)
         VALUES (?, ?, ?, 'queued', ?, ?, ?, ?)`,
      )
      .run(workspaceId, kind, JSON.stringify(payload), maxAttempts, now, now, now);
    return this.get(Number(lastInsertRowid)) as Job;
  }

  get(id: number): Job | undefined {
    const row = this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
    return row && fromRow(row);
  }

  /** Jobs not finished yet, oldest first. */
  pending(workspaceId?: string): Job[] {
    const rows = workspaceId
      ? this.db
          .prepare(`SELECT * FROM jobs WHERE state IN ('queued','running') AND workspace_id = ? ORDER BY id`)
          .all(workspaceId)
      : this.db.prepare(`SELECT * FROM jobs WHERE state IN ('queued','running') ORDER BY id`).all();
    return (rows as JobRow[]).map(fromRow);
  }

  /** Claims the oldest runnable job that heads its workspace's queue, for `leaseMs`. */
  claim(workerId: string, leaseMs: number): Job | undefined {
    return this.db
      .transaction((): Job | undefined => {
        const now = this.now();
        const row = this.db
          .prepare(
            `SELECT j.* FROM jobs j WHERE ${RUNNABLE} AND ${HEAD_OF_ITS_WORKSPACE} ORDER BY j.id LIMIT 1`,
          )
          .get({ now }) as JobRow | undefined;
        if (!row) return undefined;
        this.db
          .prepare(
            `UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = ?, lease_expires_at = ?, updated_at = ?
             WHERE id = ?`,
          )
          .run(workerId, now + leaseMs, now, row.id);
        return this.get(row.id);
      })
      .immediate();
  }

  /** Keeps a long job's lease alive; false if the lease was lost (another worker took the job). */
  extendLease(jobId: number, workerId: string, leaseMs: number): boolean {
    const now = this.now();
    return (
      this.db
        .prepare(
          `UPDATE jobs SET lease_expires_at = ?, updated_at = ? WHERE id = ? AND state = 'running' AND lease_owner = ?`,
        )
        .run(now + leaseMs, now, jobId, workerId).changes === 1
    );
  }

  complete(jobId: number, workerId: string): void {
    this.db
      .prepare(
        `UPDATE jobs SET state = 'done', lease_owner = NULL, lease_expires_at = NULL, updated_at = ?
         WHERE id = ? AND lease_owner = ?`,
      )
      .run(this.now(), jobId, workerId);
  }

  /** Retries after `retryInMs` while attempts remain; otherwise the job fails for good. Returns the new state. */
  fail(jobId: number, workerId: string, error: string, retryInMs: number): JobState {
    return this.db
      .transaction((): JobState => {
        const job = this.get(jobId);
        if (!job || job.leaseOwner !== workerId) return job?.state ?? 'failed';
        const now = this.now();
        const state: JobState = job.attempts < job.maxAttempts ? 'queued' : 'failed';
        this.db
          .prepare(
            `UPDATE jobs SET state = ?, last_error = ?, run_after = ?, lease_owner = NULL, lease_expires_at = NULL, updated_at = ?
             WHERE id = ?`,
          )
          .run(state, error, now + retryInMs, now, jobId);
        return state;
      })
      .immediate();
  }

  /** Fails every unfinished job of a workspace (it is being deleted, or gave up). */
  cancelPending(workspaceId: string, reason: string, exceptJobId?: number): number {
    return this.db
      .prepare(
        `UPDATE jobs SET state = 'failed', last_error = ?, lease_owner = NULL, lease_expires_at = NULL, updated_at = ?
         WHERE workspace_id = ? AND state = 'queued' AND id IS NOT ?`,
      )
      .run(reason, this.now(), workspaceId, exceptJobId ?? null).changes;
  }
}
