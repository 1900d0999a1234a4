import { AccessLogStore } from './access-logs.js';
import type { Db } from './database.js';
import { HeartbeatStore } from './heartbeats.js';
import { JobQueue } from './jobs.js';
import { PortStore } from './ports.js';
import { UserStore } from './users.js';
import { WorkspaceStore } from './workspaces.js';

/** Every store of one database, on one clock: what the server, the worker and their tests use. */
export function storesOf(db: Db, now: () => number = Date.now) {
  return {
    workspaces: new WorkspaceStore(db, now),
    ports: new PortStore(db, now),
    jobs: new JobQueue(db, now),
    heartbeats: new HeartbeatStore(db, now),
    users: new UserStore(db, now),
    accessLogs: new AccessLogStore(db, now),
  };
}

export type Stores = ReturnType<typeof storesOf>;
