import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  buildBootstrapConfig,
  buildOAuthAuth,
  type CaddyProcess,
  type EdgeAuth,
  startCaddy,
} from '@rockpool/caddy';
import { ensureCredentials, ensureSigningKey } from '../credentials.js';
import { readSettings, type Settings } from '../settings.js';

export interface RunningStack {
  caddy: CaddyProcess;
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

/** Brings the stack up: at this stage the edge (Caddy with the bootstrap config). */
export async function up(settings: Settings = readSettings()): Promise<RunningStack> {
  await mkdir(settings.dataDir, { recursive: true, mode: 0o700 });
  const { auth, hint } = await edgeAuth(settings);
  const caddyDir = join(settings.dataDir, 'caddy');
  const adminListen = `unix/${join(caddyDir, 'admin.sock')}`;
  const config = buildBootstrapConfig({
    adminListen,
    controlPlaneListen: `${settings.listenHost}:${settings.controlPlanePort}`,
    workspacesListen: `${settings.listenHost}:${settings.workspacePort}`,
    controlPlaneUpstream: `unix/${join(settings.dataDir, 'server.sock')}`,
    auth,
    rateLimits: settings.rateLimits,
  });
  process.stderr.write('==> Starting Caddy\n');
  const caddy = await startCaddy({ binary: settings.caddyBinary, dataDir: caddyDir, config });
  const host = settings.listenHost === '0.0.0.0' ? 'localhost' : settings.listenHost;
  process.stdout.write(
    [
      '',
      'Rockpool is up.',
      `  Dashboard:   http://${host}:${settings.controlPlanePort}/app/`,
      `  API:         http://${host}:${settings.controlPlanePort}/api/`,
      `  Workspaces:  http://${host}:${settings.workspacePort}/workspace/{name}/`,
      `  Sign in:     ${hint}`,
      `  Data:        ${settings.dataDir}  (Caddy log: ${caddy.logFile})`,
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
  return { caddy, stop: () => caddy.stop() };
}
