import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createWriteStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort, signInCookie } from '@rockpool/caddy/testing';
import { dataDirLayout } from '@rockpool/model/data-dir';
import { isConnectionReset } from './upstream.js';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface RunningStack {
  dataDir: string;
  controlPlaneUrl: string;
  workspacesUrl: string;
  /** Basic auth, for the control plane's API (what the CLI and curl send). */
  authHeader: Record<string, string>;
  /** A signed-in session (Cookie), for the workspace server, which takes no password. */
  sessionHeader: Record<string, string>;
  /** Ctrl-C, as a user stops it; then kills any VM left in this data dir, by its pid file. */
  /** Stops everything it started; `keepLog` keeps the stack's log (its path is in `log`). */
  stop(options?: { keepLog?: boolean }): Promise<{ leftoverVms: number }>;
  /** The stack's own log (Caddy, server, worker). */
  log: string;
}

/** The guest image `scripts/run.sh` would use: ROCKPOOL_GUEST_IMAGE or the cached build. */
function guestImage(): string {
  const fromEnv = process.env.ROCKPOOL_GUEST_IMAGE;
  if (fromEnv) return fromEnv;
  return execFileSync(join(REPO_ROOT, 'scripts', 'build-guest-image.sh'), {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
    .toString()
    .trim();
}

function killVms(dataDir: string): number {
  const vms = dataDirLayout(dataDir).vmsDir;
  let killed = 0;
  for (const name of existsSync(vms) ? readdirSync(vms) : []) {
    const pidFile = join(vms, name, 'qemu.pid');
    if (!existsSync(pidFile)) continue;
    try {
      process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
      killed++;
    } catch {
      // Already gone.
    }
  }
  return killed;
}

/**
 * The whole stack as `scripts/run.sh` starts it (`rockpool up`: Caddy, server, worker), with a
 * throwaway profile: free ports, a temporary data dir, known credentials.
 */
/**
 * Signs in; sent again when a config change reset the fresh connection before any answer (the
 * worker writes the edge's routes and accounts just after start-up; a sign-in changes nothing).
 */
async function signInAfterStartUp(url: string, credentials: { username: string; password: string }) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await signInCookie(url, credentials);
    } catch (error) {
      if (!isConnectionReset(error) || attempt >= 5) throw error;
    }
  }
}

export async function startStack(options: {
  caddyBinary: string;
  env?: Record<string, string>;
}): Promise<RunningStack> {
  const dataDir = await mkdtemp(join(tmpdir(), 'rockpool-bench-stack-'));
  const [controlPlanePort, workspacePort] = [await freePort(), await freePort()];
  const credentials = { username: 'bench', password: 'bench-password-not-secret' };
  const env = {
    ...process.env,
    ROCKPOOL_CADDY_BIN: options.caddyBinary,
    ROCKPOOL_GUEST_IMAGE: guestImage(),
    ROCKPOOL_DATA_DIR: dataDir,
    ROCKPOOL_CONTROL_PLANE_PORT: String(controlPlanePort),
    ROCKPOOL_WORKSPACE_PORT: String(workspacePort),
    ROCKPOOL_LISTEN_HOST: '127.0.0.1',
    CADDY_USERNAME: credentials.username,
    CADDY_PASSWORD: credentials.password,
    ...options.env,
  };
  // Path mode, chosen as a user would: the benchmarks reach workspaces by path on 127.0.0.1 (the
  // local default is a host per workspace under ws.rockpool.localhost).
  execFileSync(
    process.execPath,
    [join(REPO_ROOT, 'apps', 'cli', 'dist', 'main.js'), 'init', '--routing-mode', 'path'],
    {
      env,
      stdio: 'ignore',
    },
  );
  const log = createWriteStream(join(tmpdir(), `${dataDir.split('/').at(-1)}.log`));
  await new Promise((resolve) => log.once('open', resolve));
  const stack: ChildProcess = spawn(
    process.execPath,
    [join(REPO_ROOT, 'apps', 'cli', 'dist', 'main.js'), 'up'],
    {
      env,
      stdio: ['ignore', log, log],
      detached: true,
    },
  );
  const exited = new Promise<void>((resolve) => stack.once('exit', () => resolve()));
  /** Keeps the stack's log when something went wrong (errors name its path); removes it otherwise. */
  const stopStack = async (keepLog: boolean) => {
    // SIGINT to `rockpool up` alone: it stops the worker (and its VMs), the server and Caddy in
    // order. Signalling the whole group would make its supervisor restart the children it sees die.
    if (stack.exitCode === null && stack.pid) process.kill(stack.pid, 'SIGINT');
    await Promise.race([exited, sleep(120_000, undefined, { ref: false })]);
    if (stack.exitCode === null && stack.pid) process.kill(-stack.pid, 'SIGKILL');
    const leftoverVms = killVms(dataDir);
    await new Promise((resolve) => log.end(resolve));
    await rm(dataDir, { recursive: true, force: true });
    if (!keepLog && leftoverVms === 0) await rm(log.path, { force: true });
    return { leftoverVms };
  };
  const stop = (options: { keepLog?: boolean } = {}) => stopStack(options.keepLog === true);
  const controlPlaneUrl = `http://127.0.0.1:${controlPlanePort}`;
  try {
    const deadline = Date.now() + 600_000;
    for (;;) {
      if (stack.exitCode !== null) throw new Error(`rockpool up exited early (log: ${log.path})`);
      const health = await fetch(`${controlPlaneUrl}/api/health`).catch(() => undefined);
      if (health?.status === 200) break;
      if (Date.now() > deadline) throw new Error(`Rockpool did not become healthy (log: ${log.path})`);
      await sleep(500);
    }
  } catch (error) {
    await stopStack(true);
    throw error;
  }
  return {
    dataDir,
    controlPlaneUrl,
    workspacesUrl: `http://127.0.0.1:${workspacePort}`,
    authHeader: {
      Authorization: `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`,
    },
    // The workspace server takes no password: sign in as a browser does.
    sessionHeader: { Cookie: await signInAfterStartUp(controlPlaneUrl, credentials) },
    stop,
    log: String(log.path),
  };
}
