import type { Db } from './database.js';

export interface WorkerHeartbeat {
  workerId: string;
  pid: number;
  runtime: string;
  beatAt: number;
}

/** Workers record that they are alive; the server's health check reads it. */
export class HeartbeatStore {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  beat(workerId: string, pid: number, runtime: string): void {
    this.db
      .prepare(
        `INSERT INTO worker_heartbeats (worker_id, pid, runtime, beat_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (worker_id) DO UPDATE SET pid = excluded.pid, runtime = excluded.runtime, beat_at = excluded.beat_at`,
      )
      .run(workerId, pid, runtime, this.now());
  }

  latest(): WorkerHeartbeat | undefined {
    const row = this.db.prepare('SELECT * FROM worker_heartbeats ORDER BY beat_at DESC LIMIT 1').get() as
      | { worker_id: string; pid: number; runtime: string; beat_at: number }
      | undefined;
    return row && { workerId: row.worker_id, pid: row.pid, runtime: row.runtime, beatAt: row.beat_at };
  }

  remove(workerId: string): void {
    this.db.prepare('DELETE FROM worker_heartbeats WHERE worker_id = ?').run(workerId);
  }
}
