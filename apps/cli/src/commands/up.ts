import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import {
  type BootstrapOptions,
  buildBootstrapConfig,
  buildOAuthAuth,
  type CaddyConfig,
  type CaddyProcess,
  type EdgeAuth,
  startCaddy,
} from '@rockpool/caddy';
import { dataDirLayout } from '@rockpool/model/data-dir';
import { loadSettings } from '../config-file.js';
import { ensureCredentials, ensureSigningKey } from '../credentials.js';
import { prepareEdge } from '../edge-setup.js';
import type { Settings } from '../settings.js';
import { Supervised } from '../supervisor.js';

export interface RunningStack {
  caddy(): CaddyProcess;
  server: Supervised;
  worker: Supervised;
  stop(): Promise<void>;
}

export async function edgeAuth(settings: Settings): Promise<{ auth: EdgeAuth; hint: string }> {
  if (settings.github) {
    const host = settings.listenHost === '0.0.0.0' ? 'localhost' : settings.listenHost;
    const publicUrl = settings.github.publicUrl ?? `http://${host}:${settings.controlPlanePort}`;
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
    });
    return { auth, hint: 'sign in with GitHub' };
  }
  const credentials = await ensureCredentials(settings.dataDir, settings.username, settings.password);
  const hint = credentials.generatedPasswordFile
    ? `user ${credentials.username}, password in ${credentials.generatedPasswordFile}`
    : `user ${credentials.username} with the password from CADDY_PASSWORD`;
  return { auth: { kind: 'basic', accounts: [credentials] }, hint };
}

/** Caddy's whole configuration for these settings, with every file it needs in place. */
export async function renderCaddyConfig(
  settings: Settings,
  echo: NodeJS.WritableStream = process.stderr,
): Promise<{ config: CaddyConfig; hint: string }> {
  const { auth, hint } = await edgeAuth(settings);
  const options: BootstrapOptions = {
    adminListen: `unix/${dataDirLayout(settings.dataDir).caddyAdminSocket}`,
    controlPlaneListen: `${settings.listenHost}:${settings.controlPlanePort}`,
    workspacesListen: `${settings.listenHost}:${settings.workspacePort}`,
    controlPlaneUpstream: `unix/${dataDirLayout(settings.dataDir).serverSocket}`,
    auth,
    rateLimits: settings.rateLimits,
    edge: await prepareEdge(settings, echo),
    // The server (main.ts) listens here and stores the entries for the dashboard's Logs page.
    accessLogSocket: dataDirLayout(settings.dataDir).accessLogSocket,
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
  const watch = (caddy: CaddyProcess): void => {
    void caddy.exited.then(async (code) => {
      if (stopping) return;
      echo.write(`[caddy] exited (${code}); restarting\n`);
      for (;;) {
        try {
          current = await startCaddy({ binary: settings.caddyBinary, dataDir, config: await render() });
          watch(current);
          return;
        } catch (error) {
          echo.write(`[caddy] restart failed: ${(error as Error).message}; retrying\n`);
          await new Promise((resolve) => setTimeout(resolve, 2_000));
        }
      }
    });
  };
  watch(current);
  return {
    current: () => current,
    stop: async () => {
      stopping = true;
      await current.stop();
    },
  };
}

/** Where a browser reaches the control plane and the workspaces. */
export function publicUrls(settings: Settings): { controlPlane: string; workspaces: string } {
  const scheme = settings.tls.mode === 'off' ? 'http' : 'https';
  const host =
    settings.tls.mode === 'acme'
      ? settings.tls.domain
      : settings.listenHost === '0.0.0.0'
        ? 'localhost'
        : settings.listenHost;
  const url = (port: number) =>
    `${scheme}://${host}${(scheme === 'https' && port === 443) || (scheme === 'http' && port === 80) ? '' : `:${port}`}`;
  return { controlPlane: url(settings.controlPlanePort), workspaces: url(settings.workspacePort) };
}

/** Brings the whole stack up: Caddy, then the control-plane server, then the worker. */
export async function up(
  given?: Settings,
  echo: NodeJS.WritableStream = process.stderr,
): Promise<RunningStack> {
  // Without explicit settings, the config file is read again whenever Caddy is restarted.
  const current = given ? async () => given : () => loadSettings();
  const settings = await current();
  await mkdir(dataDirLayout(settings.dataDir).logsDir, { recursive: true, mode: 0o700 });
  const { config, hint } = await renderCaddyConfig(settings, echo);
  echo.write('==> Starting Caddy\n');
  const render = async () => (await renderCaddyConfig(await current(), echo)).config;
  const caddy = await superviseCaddy(settings, config, render, echo);

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ROCKPOOL_DATA_DIR: settings.dataDir,
    ROCKPOOL_WORKSPACE_PORT: String(settings.workspacePort),
    ROCKPOOL_STOP_VMS_ON_EXIT: '1',
  };
  const node = process.execPath;
  const script = (name: string) => fileURLToPath(import.meta.resolve(name));
  echo.write('==> Starting the server and the worker\n');
  const server = new Supervised({
    name: 'server',
    command: node,
    args: [script('@rockpool/server/main')],
    env,
    logFile: dataDirLayout(settings.dataDir).serverLog,
    echo,
  });
  server.start();
  const worker = new Supervised({
    name: 'worker',
    // Stopping VMs takes a few seconds each.
    stopTimeoutMs: 120_000,
    command: node,
    args: [script('@rockpool/worker/main')],
    env,
    logFile: dataDirLayout(settings.dataDir).workerLog,
    echo,
  });
  worker.start();

  const { controlPlane: cp, workspaces: ws } = publicUrls(settings);
  process.stdout.write(
    [
      '',
      'Rockpool is up.',
      `  Dashboard:   ${cp}/app/`,
      `  API:         ${cp}/api/  (OpenAPI: ${cp}/api/openapi.json)`,
      `  Workspaces:  ${ws}/workspace/{name}/`,
      `  Sign in:     ${hint}`,
      `  Data:        ${settings.dataDir}  (logs in ${dataDirLayout(settings.dataDir).logsDir})`,
      '',
      'Create a workspace:',
      `  curl -u ${settings.username}:PASSWORD -X POST ${cp}/api/workspaces -H 'Content-Type: application/json' -d '{"name":"hello"}'`,
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
  return {
    caddy: caddy.current,
    server,
    worker,
    stop: async () => {
      await worker.stop();
      await server.stop();
      await caddy.stop();
    },
  };
}
