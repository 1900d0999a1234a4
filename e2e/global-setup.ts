import { type ChildProcess, spawn } from 'node:child_process';
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
import { freePort } from '@rockpool/caddy/testing';
import { dataDirLayout } from '@rockpool/model/data-dir';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

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

/** Starts Rockpool with scripts/run.sh and a test profile; the returned function stops it. */
export default async function globalSetup(): Promise<() => Promise<void>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rockpool-e2e-'));
  const [controlPlanePort, workspacePort] = [await freePort(), await freePort()];
  const profile = {
    ROCKPOOL_DATA_DIR: dataDir,
    ROCKPOOL_CONTROL_PLANE_PORT: String(controlPlanePort),
    ROCKPOOL_WORKSPACE_PORT: String(workspacePort),
    ROCKPOOL_LISTEN_HOST: '127.0.0.1',
    CADDY_USERNAME: 'e2e',
    CADDY_PASSWORD: 'e2e-password-not-secret',
    // A test run leaves the user's ~/.local/bin as it was.
    ROCKPOOL_NO_LINK: '1',
    // The suite makes many writes on purpose; the default policy would throttle it.
    ROCKPOOL_RATE_LIMITS: JSON.stringify({ apiWrite: [{ window: '1m', maxEvents: 1000 }] }),
  };
  Object.assign(process.env, profile, {
    E2E_CONTROL_PLANE: `http://localhost:${controlPlanePort}`,
    E2E_WORKSPACES: `http://localhost:${workspacePort}`,
  });
  mkdirSync(join(root, 'e2e', 'test-results'), { recursive: true });
  const log: string[] = [];
  const stack: ChildProcess = spawn(join(root, 'scripts', 'run.sh'), [], {
    // The browser reaches the stack at localhost: IDE and port links must point there too.
    env: { ...process.env, ...profile, ROCKPOOL_PUBLIC_URL: process.env.E2E_CONTROL_PLANE },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  for (const stream of [stack.stdout, stack.stderr])
    stream?.on('data', (chunk: Buffer) => log.push(chunk.toString()));
  const exited = new Promise<void>((resolve) => stack.once('exit', () => resolve()));

  const deadline = Date.now() + 600_000;
  for (;;) {
    if (stack.exitCode !== null) throw new Error(`scripts/run.sh exited early:\n${log.join('')}`);
    const health = await fetch(`http://localhost:${controlPlanePort}/api/health`).catch(() => undefined);
    if (health?.status === 200) break;
    if (Date.now() > deadline)
      throw new Error(`Rockpool did not become healthy:\n${log.slice(-50).join('')}`);
    await sleep(1_000);
  }

  return async () => {
    // Ctrl-C, as a user stops it: the worker stops the VMs, then server and Caddy exit.
    if (stack.pid) process.kill(-stack.pid, 'SIGINT');
    await Promise.race([exited, sleep(120_000)]);
    if (stack.exitCode === null && stack.pid) process.kill(-stack.pid, 'SIGKILL');
    const leftovers = killLeftoverVms(dataDir);
    // The stack's own logs (server, worker, Caddy) outlive the run, next to the report.
    const logs = join(root, 'e2e', 'test-results', 'stack-logs');
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
}
