import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type BootstrapOptions,
  buildBootstrapConfig,
  buildOAuthAuth,
  type CaddyProcess,
  type EdgeAuth,
  startCaddy,
} from '@rockpool/caddy';
import { ensureCredentials, ensureSigningKey } from '../credentials.js';
import { readSettings, type Settings } from '../settings.js';
import { Supervised } from '../supervisor.js';

export interface RunningStack {
  caddy(): CaddyProcess;
  server: Supervised;
  worker: Supervised;
  stop(): Promise<void>;
}

async function edgeAuth(settings: Settings): Promise<{ auth: EdgeAuth; hint: string }> {
  if (settings.github) {
    const auth = buildOAuthAuth({
      provider: {
        kind: 'github',
        clientId: settings.github.clientId,
        clientSecret: settings.github.clientSecret,
      },
      signingKey: await ensureSigningKey(settings.dataDir, settings.github.signingKey),
      allow: { users: settings.github.allowUsers, orgs: settings.github.allowOrgs },
      insecureCookie: true,
    });
    return { auth, hint: 'sign in with GitHub' };
  }
  const credentials = await ensureCredentials(settings.dataDir, settings.username, settings.password);
  const hint = credentials.generatedPasswordFile
    ? `user ${credentials.username}, password in ${credentials.generatedPasswordFile}`
    : `user ${credentials.username} with the password from CADDY_PASSWORD`;
  return { auth: { kind: 'basic', accounts: [credentials] }, hint };
}

/** Caddy is restarted with its bootstrap config if it dies; the worker puts the routes back. */
async function superviseCaddy(
  settings: Settings,
  config: ReturnType<typeof buildBootstrapConfig>,
  echo: NodeJS.WritableStream,
) {
  const dataDir = join(settings.dataDir, 'caddy');
  let current = await startCaddy({ binary: settings.caddyBinary, dataDir, config });
  let stopping = false;
  const watch = (caddy: CaddyProcess): void => {
    void caddy.exited.then(async (code) => {
      if (stopping) return;
      echo.write(`[caddy] exited (${code}); restarting\n`);
      for (;;) {
        try {
          current = await startCaddy({ binary: settings.caddyBinary, dataDir, config });
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

/** Brings the whole stack up: Caddy, then the control-plane server, then the worker. */
export async function up(
  settings: Settings = readSettings(),
  echo: NodeJS.WritableStream = process.stderr,
): Promise<RunningStack> {
  await mkdir(join(settings.dataDir, 'logs'), { recursive: true, mode: 0o700 });
  const { auth, hint } = await edgeAuth(settings);
  const options: BootstrapOptions = {
    adminListen: `unix/${join(settings.dataDir, 'caddy', 'admin.sock')}`,
    controlPlaneListen: `${settings.listenHost}:${settings.controlPlanePort}`,
    workspacesListen: `${settings.listenHost}:${settings.workspacePort}`,
    controlPlaneUpstream: `unix/${join(settings.dataDir, 'server.sock')}`,
    auth,
    rateLimits: settings.rateLimits,
    // The server (main.ts) listens here and stores the entries for the dashboard's Logs page.
    accessLogSocket: join(settings.dataDir, 'access-log.sock'),
  };
  echo.write('==> Starting Caddy\n');
  const caddy = await superviseCaddy(settings, buildBootstrapConfig(options), echo);

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
    logFile: join(settings.dataDir, 'logs', 'server.log'),
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
    logFile: join(settings.dataDir, 'logs', 'worker.log'),
    echo,
  });
  worker.start();

  const host = settings.listenHost === '0.0.0.0' ? 'localhost' : settings.listenHost;
  const cp = `http://${host}:${settings.controlPlanePort}`;
  process.stdout.write(
    [
      '',
      'Rockpool is up.',
      `  Dashboard:   ${cp}/app/`,
      `  API:         ${cp}/api/  (OpenAPI: ${cp}/api/openapi.json)`,
      `  Workspaces:  http://${host}:${settings.workspacePort}/workspace/{name}/`,
      `  Sign in:     ${hint}`,
      `  Data:        ${settings.dataDir}  (logs in ${join(settings.dataDir, 'logs')})`,
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
