import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type BootstrapOptions,
  buildBootstrapConfig,
  buildOAuthAuth,
  buildPasswordAuth,
  type CaddyConfig,
  type CaddyProcess,
  type DashboardDevServer,
  type EdgeAuth,
  startCaddy,
} from '@rockpool/caddy';
import { dataDirLayout } from '@rockpool/model/data-dir';
import { dashboardContentSecurityPolicy } from '@rockpool/server';
import { loadSettings } from '../config-file.js';
import { ensureCredentials, ensureSigningKey } from '../credentials.js';
import { prepareEdge } from '../edge-setup.js';
import { ideUrlPattern, publicUrls, sessionCookieDomainOf } from '../public-urls.js';
import type { Settings } from '../settings.js';
import { stackProcessEnv } from '../stack-env.js';
import { builtEntryPoints, type ProcessSpec, type StackMode, stackProcesses } from '../stack-processes.js';
import { waitUntilReady } from '../stack-ready.js';
import { Supervised } from '../supervisor.js';
import { basicAccounts, edgeAdmins, withUsers } from '../users.js';

export interface RunningStack {
  caddy(): CaddyProcess;
  server: Supervised;
  worker: Supervised;
  /** `rockpool dev` only: Vite's dev server for the dashboard. */
  vite?: Supervised;
  stop(): Promise<void>;
}

export async function edgeAuth(settings: Settings): Promise<{ auth: EdgeAuth; hint: string }> {
  if (settings.github) {
    const publicUrl = publicUrls(settings).controlPlane;
    const cookieDomain = sessionCookieDomainOf(settings);
    const auth = buildOAuthAuth({
      provider: {
        kind: 'github',
        clientId: settings.github.clientId,
        clientSecret: settings.github.clientSecret,
      },
      signingKey: await ensureSigningKey(settings.dataDir, settings.github.signingKey),
      allow: { users: settings.github.allowUsers, orgs: settings.github.allowOrgs },
      // Workspaces (:8081) need the same session; their login redirect goes to the control plane.
      portalUrl: `${publicUrl}/auth/`,
      insecureCookie: publicUrl.startsWith('http:'),
      // Subdomain mode: the Domain that covers the control plane and every workspace host, the same
      // as the password sign-in's (sessionCookieDomain); path mode: host-only.
      ...(cookieDomain ? { cookieDomain } : {}),
    });
    return { auth, hint: 'sign in with GitHub' };
  }
  const credentials = await ensureCredentials(settings.dataDir, settings.username, settings.password);
  const hint = credentials.generatedPasswordFile
    ? `user ${credentials.username}, password in ${credentials.generatedPasswordFile}`
    : `user ${credentials.username} with the password from CADDY_PASSWORD`;
  const auth = buildPasswordAuth({
    // Every user in the table; the first run makes this account the first user, an admin.
    accounts: await basicAccounts(settings.dataDir, credentials),
    signingKey: await ensureSigningKey(settings.dataDir),
    // Workspaces (:8081) send a browser without a session to the control plane's sign-in page.
    signInUrl: `${publicUrls(settings).controlPlane}/auth/`,
    // Subdomain mode: the cookie's Domain is the control plane's; a browser that came by another name
    // (localhost for rockpool.localhost) signs in there too, or it could never keep the cookie.
    ...(sessionCookieDomainOf(settings) ? { absoluteSignIn: true } : {}),
  });
  return { auth, hint };
}

/** Caddy's whole configuration for these settings, with every file it needs in place. */
export async function renderCaddyConfig(
  settings: Settings,
  echo: NodeJS.WritableStream = process.stderr,
  dashboardDevServer?: DashboardDevServer,
): Promise<{ config: CaddyConfig; hint: string }> {
  const { auth, hint } = await edgeAuth(settings);
  const options: BootstrapOptions = {
    adminListen: `unix/${dataDirLayout(settings.dataDir).caddyAdminSocket}`,
    controlPlaneListen: `${settings.listenHost}:${settings.controlPlanePort}`,
    workspacesListen: `${settings.listenHost}:${settings.workspacePort}`,
    controlPlaneUpstream: `unix/${dataDirLayout(settings.dataDir).serverSocket}`,
    // IDE and port links start here, never at the request's Host (which any client can set); in
    // subdomain mode a wildcard origin (formatAddressing), which the server reads with the mode.
    workspacesOrigin: publicUrls(settings).workspaces,
    // srv1 routes by path or by Host (the same default: subdomain with a workspace domain).
    routingMode: settings.routingMode,
    auth,
    rateLimits: settings.rateLimits,
    edge: await prepareEdge(settings, echo),
    // The server (main.ts) listens here and stores the entries for the dashboard's Logs page.
    accessLogSocket: dataDirLayout(settings.dataDir).accessLogSocket,
    adminIdeAccess: settings.adminIdeAccess,
    publicPorts: settings.publicPorts,
    // Known from the start, so admin IDE access works before the worker's first sync.
    admins: await withUsers(settings.dataDir, (users) => edgeAdmins(users, settings.admins)),
    ...(dashboardDevServer ? { dashboardDevServer } : {}),
  };
  return { config: buildBootstrapConfig(options), hint };
}

/**
 * Caddy is restarted if it dies, with the configuration rendered again (so a `rockpool reconfigure`
 * since the start holds); the worker puts the routes back.
 */
async function superviseCaddy(
  settings: Settings,
  config: CaddyConfig,
  render: () => Promise<CaddyConfig>,
  echo: NodeJS.WritableStream,
) {
  const dataDir = dataDirLayout(settings.dataDir).caddyDir;
  let current = await startCaddy({ binary: settings.caddyBinary, dataDir, config });
  let stopping = false;
  // A restart under way; stop() waits for it, so a Caddy started during shutdown is not left behind.
  let restarting: Promise<void> = Promise.resolve();
  const restart = async (): Promise<void> => {
    for (;;) {
      try {
        current = await startCaddy({ binary: settings.caddyBinary, dataDir, config: await render() });
        watch(current);
        return;
      } catch (error) {
        echo.write(`[caddy] restart failed: ${(error as Error).message}; retrying\n`);
        await new Promise((resolve) => setTimeout(resolve, 2_000));
        if (stopping) return;
      }
    }
  };
  const watch = (caddy: CaddyProcess): void => {
    void caddy.exited.then((code) => {
      if (stopping) return;
      echo.write(`[caddy] exited (${code}); restarting\n`);
      restarting = restart();
    });
  };
  watch(current);
  return {
    current: () => current,
    /** Stops restarting at once (a Ctrl-C reaches Caddy too: its exit then is no crash). */
    holdRestarts: () => {
      stopping = true;
    },
    stop: async () => {
      stopping = true;
      await restarting;
      await current.stop();
    },
  };
}

/** In dev mode the edge sends /app/* to Vite, with the dashboard's CSP plus what Vite's client needs. */
function dashboardDevServer(mode: StackMode): DashboardDevServer | undefined {
  if (mode.kind !== 'dev') return undefined;
  return {
    upstream: `127.0.0.1:${mode.vitePort}`,
    contentSecurityPolicy: dashboardContentSecurityPolicy({ viteDevClient: true }),
  };
}

/** What `up` prints once everything is started. */
export function upBanner(settings: Settings, hint: string, mode: StackMode): string {
  const { controlPlane: cp } = publicUrls(settings);
  const dev = mode.kind === 'dev';
  return [
    '',
    dev ? 'Rockpool (development) is up.' : 'Rockpool is up.',
    `  Dashboard:   ${cp}/app/${dev ? `  (Vite on 127.0.0.1:${mode.vitePort}, hot reload)` : ''}`,
    `  API:         ${cp}/api/  (OpenAPI: ${cp}/api/openapi.json)`,
    `  Workspaces:  ${ideUrlPattern(settings)}  (${settings.routingMode} routing)`,
    `  Sign in:     ${hint}${settings.github ? '' : ` (browsers: ${cp}/auth/)`}`,
    `  Data:        ${settings.dataDir}  (logs in ${dataDirLayout(settings.dataDir).logsDir})`,
    ...(dev
      ? [
          '  Reloads:     the server and the worker restart when their sources or packages change',
          '',
          'Press Ctrl-C to stop Caddy, the server, the worker and Vite.',
          'Workspace VMs keep running (a worker restart must not cost a boot); the next run adopts them.',
          '',
        ]
      : [
          '',
          'Create a workspace:',
          `  curl -u ${settings.username}:PASSWORD -X POST ${cp}/api/workspaces -H 'Content-Type: application/json' -d '{"name":"hello"}'`,
          'Press Ctrl-C to stop.',
          '',
        ]),
  ].join('\n');
}

/**
 * Brings the whole stack up: Caddy, then the control-plane server, then the worker (and, in dev
 * mode, Vite).
 */
export async function up(
  given?: Settings,
  echo: NodeJS.WritableStream = process.stderr,
  mode: StackMode = { kind: 'built', entryPoints: builtEntryPoints() },
): Promise<RunningStack> {
  // Without explicit settings, the config file is read again whenever Caddy is restarted.
  const current = given ? async () => given : () => loadSettings();
  const settings = await current();
  // Everything the stack writes in the data dir (database, sockets, logs, pid files) is private;
  // Caddy, the server and the worker inherit this umask.
  process.umask(0o077);
  await mkdir(dataDirLayout(settings.dataDir).logsDir, { recursive: true, mode: 0o700 });
  const devServer = dashboardDevServer(mode);
  const { config, hint } = await renderCaddyConfig(settings, echo, devServer);
  echo.write('==> Starting Caddy\n');
  const render = async () => (await renderCaddyConfig(await current(), echo, devServer)).config;
  const caddy = await superviseCaddy(settings, config, render, echo);

  const env: NodeJS.ProcessEnv = {
    ...stackProcessEnv(process.env),
    ROCKPOOL_DATA_DIR: settings.dataDir,
    // The server's and the worker's own setting (an origin, or a wildcard origin in subdomain mode);
    // the edge's header (workspacesOrigin) follows `rockpool reconfigure`.
    ROCKPOOL_WORKSPACE_URL: publicUrls(settings).workspaces,
    // The session cookie's Domain is decided from its host (sessionCookieDomain).
    ROCKPOOL_CONTROL_PLANE_URL: publicUrls(settings).controlPlane,
    // In dev the worker restarts on every change: its VMs must outlive it (the next one adopts them).
    ROCKPOOL_STOP_VMS_ON_EXIT: mode.kind === 'dev' ? '0' : '1',
  };
  echo.write(`==> Starting the server, the worker${mode.kind === 'dev' ? ' and Vite' : ''}\n`);
  const startedAt = Date.now();
  const start = (spec: ProcessSpec): Supervised => {
    const supervised = new Supervised({
      ...spec,
      env,
      logFile: join(dataDirLayout(settings.dataDir).logsDir, `${spec.name}.log`),
      echo,
    });
    supervised.start();
    return supervised;
  };
  const specs = stackProcesses(mode);
  const server = start(specs.server);
  const worker = start(specs.worker);
  const vite = specs.vite && start(specs.vite);
  const stop = async () => {
    // A Ctrl-C in the terminal reaches every process of the stack at once: none is restarted.
    for (const part of [vite, worker, server, caddy]) part?.holdRestarts();
    await vite?.stop();
    await worker.stop();
    await server.stop();
    await caddy.stop();
  };
  await waitUntilReady({ dataDir: settings.dataDir, workerStartedAt: startedAt }).catch(async (error) => {
    await stop();
    throw error;
  });

  process.stdout.write(upBanner(settings, hint, mode));
  return {
    caddy: caddy.current,
    server,
    worker,
    ...(vite ? { vite } : {}),
    stop,
  };
}
