import type { Db } from '@rockpool/db';

/**
 * Stands in for the worker in the server's tests: marks every `sync_users` job done as it comes
 * (the worker's real run of them is tested against Caddy in the worker and the CLI). Returns stop.
 */
export function completeUserJobs(db: Db, everyMs = 10): () => void {
  const timer = setInterval(() => {
    db.prepare(`UPDATE jobs SET state = 'done' WHERE kind = 'sync_users' AND state = 'queued'`).run();
  }, everyMs);
  return () => clearInterval(timer);
}
