import { type ChildProcess, execFile, spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from '@rockpool/caddy/testing';
import { dataDirLayout } from '@rockpool/model/data-dir';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Where the local default puts the control plane and the workspaces (apps/cli settings.ts). */
const LOCAL_CONTROL_PLANE_HOST = 'rockpool.localhost';
const LOCAL_WORKSPACE_DOMAIN = 'ws.rockpool.localhost';
const execFileAsync = promisify(execFile);

/** Kills any VM left in the profile's data directory, by the PID in its pid file. */
function killLeftoverVms(dataDir: string): number {
  const vms = dataDirLayout(dataDir).vmsDir;
  let killed = 0;
  for (const name of existsSync(vms) ? readdirSync(vms) : []) {
    // qemu.pid (QEMU) or tart-run.pid (the `tart run` process that holds a tart VM).
    const pidFile = ['qemu.pid', 'tart-run.pid'].map((file) => join(vms, name, file)).find(existsSync);
    if (!pidFile) continue;
    try {
      process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
      killed++;
    } catch {
      // Already gone.
    }
  }
  return killed;
}

export interface StackOptions {
  /** Names the stack's logs under e2e/test-results/ (`stack-logs` for the main stack). */
  logsName: string;
  /**
   * `path`: `rockpool init --routing-mode path`, as a user would choose it. Without it, the local
   * default: subdomain mode, the control plane at `rockpool.localhost` and the workspaces under
   * `ws.rockpool.localhost`, with no init and no DNS.
   */
  routingMode?: 'path';
  /** Extra environment for the stack (the test profile's). */
  env?: Record<string, string>;
}

export interface RunningStack {
  dataDir: string;
  controlPlanePort: number;
  workspacePort: number;
  /** The control plane's origin as the browser reaches it. */
  controlPlane: string;
  /** The parent of the workspace hosts; undefined in path mode. */
  workspaceDomain: string | undefined;
  /** Ctrl-C, then a check that no VM outlived it; keeps the stack's logs. */
  stop(): Promise<void>;
}

/**
 * Starts Rockpool with scripts/run.sh and a test profile (its own ports, data directory and
 * credentials), the way a user starts it, and waits until the control plane answers.
 */
export async function startStack(options: StackOptions): Promise<RunningStack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rockpool-e2e-'));
  const [controlPlanePort, workspacePort] = [await freePort(), await freePort()];
  const path = options.routingMode === 'path';
  const controlPlane = `http://${path ? 'localhost' : LOCAL_CONTROL_PLANE_HOST}:${controlPlanePort}`;
  const env = {
    ...process.env,
    ...options.env,
    ROCKPOOL_DATA_DIR: dataDir,
    ROCKPOOL_CONTROL_PLANE_PORT: String(controlPlanePort),
    ROCKPOOL_WORKSPACE_PORT: String(workspacePort),
    ROCKPOOL_LISTEN_HOST: '127.0.0.1',
    // A test run leaves the user's ~/.local/bin as it was.
    ROCKPOOL_NO_LINK: '1',
  };
  if (path) await execFileAsync(join(root, 'scripts', 'run.sh'), ['init', '--routing-mode', 'path'], { env });
  mkdirSync(join(root, 'e2e', 'test-results'), { recursive: true });
  const log: string[] = [];
  const stack: ChildProcess = spawn(join(root, 'scripts', 'run.sh'), [], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  for (const stream of [stack.stdout, stack.stderr])
    stream?.on('data', (chunk: Buffer) => log.push(chunk.toString()));
  const exited = new Promise<void>((resolve) => stack.once('exit', () => resolve()));

  const stop = async (): Promise<void> => {
    // Ctrl-C, as a user stops it: the worker stops the VMs, then server and Caddy exit.
    if (stack.exitCode === null && stack.pid) process.kill(-stack.pid, 'SIGINT');
    await Promise.race([exited, sleep(120_000)]);
    if (stack.exitCode === null && stack.pid) process.kill(-stack.pid, 'SIGKILL');
    const leftovers = killLeftoverVms(dataDir);
    // The stack's own logs (server, worker, Caddy) outlive the run, next to the report.
    const logs = join(root, 'e2e', 'test-results', options.logsName);
    mkdirSync(logs, { recursive: true });
    for (const dir of [dataDirLayout(dataDir).logsDir, dataDirLayout(dataDir).caddyDir])
      if (existsSync(dir))
        cpSync(dir, join(logs, basename(dir)), {
          recursive: true,
          filter: (source) => !source.endsWith('.sock') && !/\.(key|pem|crt|p12)$/.test(source),
        });
    writeFileSync(join(logs, 'run.log'), log.join(''));
    rmSync(dataDir, { recursive: true, force: true });
    if (leftovers > 0) throw new Error(`${leftovers} VM(s) were still running after the stack stopped`);
  };

  const deadline = Date.now() + 600_000;
  for (;;) {
    if (stack.exitCode !== null) {
      await stop();
      throw new Error(`scripts/run.sh exited early:\n${log.join('')}`);
    }
    // The health check goes to the loopback address itself: glibc does not resolve *.localhost.
    const health = await fetch(`http://127.0.0.1:${controlPlanePort}/api/health`).catch(() => undefined);
    if (health?.status === 200) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Rockpool did not become healthy:\n${log.slice(-50).join('')}`);
    }
    await sleep(1_000);
  }
  return {
    dataDir,
    controlPlanePort,
    workspacePort,
    controlPlane,
    workspaceDomain: path ? undefined : LOCAL_WORKSPACE_DOMAIN,
    stop,
  };
}
