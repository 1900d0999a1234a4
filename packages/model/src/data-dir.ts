import { join } from 'node:path';

/**
 * Every file and socket Rockpool keeps in its data directory (`ROCKPOOL_DATA_DIR`), named once: the
 * CLI, the server, the worker, the benchmarks and the end-to-end suite all find them here.
 */
export function dataDirLayout(dataDir: string) {
  const caddyDir = join(dataDir, 'caddy');
  const logsDir = join(dataDir, 'logs');
  return {
    root: dataDir,
    /** SQLite: workspaces, ports, jobs, heartbeats, access logs. */
    database: join(dataDir, 'rockpool.db'),
    /** The control plane listens here only (0600); Caddy proxies /api and /app to it. */
    serverSocket: join(dataDir, 'server.sock'),
    /**
     * The control plane's wake handler (0600): the routing table points a suspended or stopped
     * workspace here, and a request to it starts the workspace (see the server's wake/).
     */
    wakeSocket: join(dataDir, 'wake.sock'),
    /** The control plane's process id, for operators and tests. */
    serverPid: join(dataDir, 'server.pid'),
    /** Caddy's access-log writer ships both servers' logs here (0600). */
    accessLogSocket: join(dataDir, 'access-log.sock'),
    /** What `rockpool init` and `reconfigure` chose (0600). */
    config: join(dataDir, 'rockpool.json'),
    /** The basic-auth account. */
    credentials: join(dataDir, 'credentials.json'),
    /** The generated password of the first start without CADDY_PASSWORD (0600). */
    initialPassword: join(dataDir, 'initial-password'),
    /** Signs OAuth session tokens when ROCKPOOL_OAUTH_SIGNING_KEY is unset (0600). */
    oauthSigningKey: join(dataDir, 'oauth-signing-key'),
    /** Server certificates and the client CA (keys 0600). */
    tlsDir: join(dataDir, 'tls'),
    /** Where `.p12` client certificates are written by default. */
    clientCertsDir: join(dataDir, 'client-certs'),
    /** Caddy's home: its config, log and storage. */
    caddyDir,
    /** Caddy's admin API: a unix socket, never TCP (a guest can reach the host's loopback). */
    caddyAdminSocket: join(caddyDir, 'admin.sock'),
    logsDir,
    serverLog: join(logsDir, 'server.log'),
    workerLog: join(logsDir, 'worker.log'),
    /** The VMs' disks and state. */
    vmsDir: join(dataDir, 'vms'),
    /** tart: this instance's id, which its VM names carry (tart keeps every VM of a user in one place). */
    tartInstance: join(dataDir, 'tart-instance'),
    /** What the worker found about its VM runtime (network, warnings), for `rockpool status`. */
    runtimeReport: join(dataDir, 'runtime.json'),
  };
}
export type DataDirLayout = ReturnType<typeof dataDirLayout>;
