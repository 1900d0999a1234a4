import { chmod, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import {
  type AccessLogRetention,
  DEFAULT_ACCESS_LOG_RETENTION,
  openDatabase,
  storesOf,
  type UserStore,
} from '@rockpool/db';
import type { ResourceLimits, WorkspaceAddressing } from '@rockpool/model';
import { type AccessLogIngest, startAccessLogIngest } from './access-log-ingest.js';
import { createApp } from './app.js';
import { userRoles } from './auth/roles.js';
import { type SessionOptions, Sessions } from './auth/sessions.js';
import { UserAdmin } from './auth/user-admin.js';
import type { RoleSource } from './auth/viewer.js';
import type { EdgeUsers } from './edge-users.js';
import { basicAuthRoutes } from './routes/basic-auth.js';
import { tlsAskRoutes } from './routes/tls-ask.js';
import { WorkspaceService } from './service.js';
import { spaHandler } from './static-files.js';
import { storeLookups } from './tls-ask.js';
import { startWakeServer, type WakeServer } from './wake/wake-server.js';

export interface ServerOptions {
  /** The SQLite file, e.g. `<data dir>/rockpool.db`. */
  databaseFile: string;
  /** Listens here only: a unix socket, so nothing but Caddy (same user) can reach the API. */
  socketPath: string;
  limits: ResourceLimits;
  /** Where browsers reach the workspaces, in which routing mode: IDE and app URLs start here. */
  workspaces: WorkspaceAddressing;
  /** The control plane's host as browsers reach it (the session cookie's Domain follows from it). */
  controlPlaneHost?: string;
  /** The built dashboard (packages/spa/dist); without it /app/ is not served. */
  spaDir?: string;
  /** The edge's users for Settings → Users, given the stores (main.ts reads them from the data dir). */
  edgeUsers?: (users: UserStore, roles: RoleSource) => EdgeUsers;
  /** Identities that are admins whatever the users table says (`ROCKPOOL_ADMINS`, e.g. GitHub users). */
  admins?: string[];
  /** Where Caddy ships its access logs (see buildAccessLogging); without it none are received. */
  accessLogSocket?: string;
  accessLogRetention?: AccessLogRetention;
  /** Whether ports may be shared `public` (ROCKPOOL_PUBLIC_PORTS). Default off. */
  publicPorts?: boolean;
  /** Password sign-in: the data dir's session signing key (never from the environment). */
  sessions?: Omit<SessionOptions, 'now'>;
  /** The token file of the edge's on-demand TLS ask (acme with a workspace domain); without it no ask route. */
  tlsAskTokenFile?: string;
  /** Where the wake handler listens (see wake/); without it, opening a sleeping workspace answers 404. */
  wakeSocket?: string;
}

export interface RunningServer extends AsyncDisposable {
  readonly socketPath: string;
  close(): Promise<void>;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const db = openDatabase(options.databaseFile);
  const { workspaces, ports, jobs, heartbeats, users, accessLogs } = storesOf(db);
  const service = new WorkspaceService({
    workspaces,
    ports,
    jobs,
    heartbeats,
    publicPorts: options.publicPorts === true,
  });
  const roles = userRoles(users, options.admins);
  // One instance: the sign-in page, POST /api/session and the edge's basic-auth check share its budget.
  const sessions = options.sessions ? new Sessions(users, options.sessions) : undefined;
  const app = createApp({
    service,
    accessLogs,
    roles,
    userAdmin: new UserAdmin({ users, jobs }),
    ...(sessions ? { sessions } : {}),
    limits: options.limits,
    workspaces: options.workspaces,
    ...(options.controlPlaneHost ? { controlPlaneHost: options.controlPlaneHost } : {}),
    ...(options.spaDir ? { spa: spaHandler(options.spaDir) } : {}),
    ...(options.edgeUsers ? { edgeUsers: options.edgeUsers(users, roles) } : {}),
  });
  // Beside the API, not in it: only srv0's basic-auth subrequest reaches it.
  if (sessions) app.route('/', basicAuthRoutes(sessions));
  // Beside the API, not in it: only the edge's loopback ask server forwards to it.
  if (options.tlsAskTokenFile)
    app.route(
      '/',
      tlsAskRoutes({ lookups: storeLookups(workspaces, ports), tokenFile: options.tlsAskTokenFile }),
    );
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  // A socket left by a crashed server would make listen fail with EADDRINUSE.
  await rm(options.socketPath, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.socketPath, resolve);
  });
  await chmod(options.socketPath, 0o600);
  let ingest: AccessLogIngest | undefined;
  let wake: WakeServer | undefined;
  try {
    wake = options.wakeSocket
      ? await startWakeServer(options.wakeSocket, {
          workspaces,
          jobs,
          addressing: options.workspaces,
          log: (line) => process.stderr.write(`rockpool-server: ${line}\n`),
        })
      : undefined;
    ingest = options.accessLogSocket
      ? await startAccessLogIngest({
          socketPath: options.accessLogSocket,
          store: accessLogs,
          retention: options.accessLogRetention ?? DEFAULT_ACCESS_LOG_RETENTION,
        })
      : undefined;
  } catch (error) {
    await wake?.close();
    server.close();
    db.close();
    throw error;
  }
  let closing: Promise<void> | undefined;
  const close = () => {
    // The ingest flushes its last batch into the database, so it closes first.
    closing ??= Promise.all([ingest?.close(), wake?.close()]).then(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => {
            db.close();
            resolve();
          });
        }),
    );
    return closing;
  };
  return { socketPath: options.socketPath, close, [Symbol.asyncDispose]: close };
}
