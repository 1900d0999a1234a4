import { chmod, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import { HeartbeatStore, JobQueue, openDatabase, PortStore, WorkspaceStore } from '@rockpool/db';
import { createApp } from './app.js';
import type { EdgeUsers } from './edge-users.js';
import { WorkspaceService } from './service.js';
import { spaHandler } from './static-files.js';
import type { ResourceLimits } from './validation.js';

export interface ServerOptions {
  /** The SQLite file, e.g. `<data dir>/rockpool.db`. */
  databaseFile: string;
  /** Listens here only: a unix socket, so nothing but Caddy (same user) can reach the API. */
  socketPath: string;
  limits: ResourceLimits;
  workspacePort: number;
  /** The built dashboard (packages/spa/dist); without it /app/ is not served. */
  spaDir?: string;
  edgeUsers?: EdgeUsers;
}

export interface RunningServer extends AsyncDisposable {
  readonly socketPath: string;
  close(): Promise<void>;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const db = openDatabase(options.databaseFile);
  const service = new WorkspaceService({
    workspaces: new WorkspaceStore(db),
    ports: new PortStore(db),
    jobs: new JobQueue(db),
    heartbeats: new HeartbeatStore(db),
  });
  const app = createApp({
    service,
    limits: options.limits,
    workspacePort: options.workspacePort,
    ...(options.spaDir ? { spa: spaHandler(options.spaDir) } : {}),
    ...(options.edgeUsers ? { edgeUsers: options.edgeUsers } : {}),
  });
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  // A socket left by a crashed server would make listen fail with EADDRINUSE.
  await rm(options.socketPath, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.socketPath, resolve);
  });
  await chmod(options.socketPath, 0o600);
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => {
        db.close();
        resolve();
      });
    });
    return closing;
  };
  return { socketPath: options.socketPath, close, [Symbol.asyncDispose]: close };
}
