import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CaddyAdminClient } from '../admin/admin-client.js';
import type { CaddyConfig } from '../config/types.js';

export interface StartCaddyOptions {
  /** The xcaddy-built binary. */
  binary: string;
  /** Caddy's home: config file, log, storage (certificates, locks) and, by default, the admin socket. */
  dataDir: string;
  /** The configuration to start with; by default only the admin endpoint. */
  config?: CaddyConfig;
  /** Overrides `config.admin.listen`; default `unix/{dataDir}/admin.sock`. */
  adminListen?: string;
  /** How long to wait for the admin API. Default 15 s. */
  readyTimeoutMs?: number;
  /** More environment, e.g. a test ACME CA's `HTTP_PROXY` (its HTTP-01 requests honour it). */
  env?: Record<string, string>;
}

/** A running Caddy. `stop()` is safe to call more than once. */
export interface CaddyProcess extends AsyncDisposable {
  readonly pid: number;
  readonly adminEndpoint: string;
  readonly admin: CaddyAdminClient;
  readonly logFile: string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export class CaddyStartError extends Error {
  readonly code = 'caddy_start_failed';
  constructor(
    message: string,
    readonly logFile: string,
  ) {
    super(`${message} (see ${logFile})`);
    this.name = 'CaddyStartError';
  }
}

export async function startCaddy(options: StartCaddyOptions): Promise<CaddyProcess> {
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const adminListen =
    options.adminListen ?? options.config?.admin?.listen ?? `unix/${join(options.dataDir, 'admin.sock')}`;
  const config: CaddyConfig = {
    ...(options.config ?? { apps: { http: { servers: {} } } }),
    admin: { ...options.config?.admin, listen: adminListen, config: { persist: false } },
  };
  const configFile = join(options.dataDir, 'caddy.json');
  await writeFile(configFile, JSON.stringify(config, null, 2), { mode: 0o600 });
  const logFile = join(options.dataDir, 'caddy.log');
  const log = createWriteStream(logFile, { flags: 'a', mode: 0o600 });
  await new Promise((resolve) => log.once('open', resolve));

  const child = spawn(options.binary, ['run', '--config', configFile], {
    // Caddy keeps certificates and locks under XDG dirs; keep them inside the data dir.
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: options.dataDir,
      XDG_DATA_HOME: join(options.dataDir, 'data'),
      XDG_CONFIG_HOME: join(options.dataDir, 'config'),
      ...options.env,
    },
    stdio: ['ignore', log, log],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const handle = processHandle(child, exited, adminListen, logFile);

  const deadline = Date.now() + (options.readyTimeoutMs ?? 15_000);
  for (;;) {
    const early = await Promise.race([
      exited.then((code) => `exited with code ${code}`),
      spawnError.then((e) => e.message),
      sleep(50).then(() => undefined),
    ]);
    if (early) {
      await handle.stop();
      throw new CaddyStartError(`Caddy ${early} before its admin API answered`, logFile);
    }
    try {
      await handle.admin.getConfig('');
      return handle;
    } catch {
      if (Date.now() > deadline) {
        await handle.stop();
        throw new CaddyStartError(
          `Caddy's admin API did not answer within ${options.readyTimeoutMs ?? 15_000} ms`,
          logFile,
        );
      }
    }
  }
}

function processHandle(
  child: ChildProcess,
  exited: Promise<number | null>,
  adminEndpoint: string,
  logFile: string,
): CaddyProcess {
  const pid = child.pid ?? -1;
  let stopping: Promise<void> | undefined;
  const stop = (signal: NodeJS.Signals = 'SIGTERM') => {
    stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      const done = await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)]);
      if (!done) {
        child.kill('SIGKILL');
        await exited;
      }
    })();
    return stopping;
  };
  return {
    pid,
    adminEndpoint,
    admin: new CaddyAdminClient({ endpoint: adminEndpoint }),
    logFile,
    exited,
    stop,
    [Symbol.asyncDispose]: () => stop(),
  };
}
