/**
 * A whole stack started by `rockpool up` for the CLI's integration tests: the xcaddy-built Caddy,
 * the server and the worker with the tart runtime and the fake tart (no VM needed), on a data dir
 * and free ports of its own.
 */
import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { caddyBinaryForTests, freePort } from '@rockpool/caddy/testing';
import { applyConfigFlags } from '../config-flags.js';
import { readSettings } from '../settings.js';
import { type RunningStack, up } from './up.js';

const FAKE_TART = join(
  dirname(fileURLToPath(import.meta.resolve('@rockpool/worker/main'))),
  '..',
  'test',
  'fake-tart',
  'tart',
);

/** The base VM the worker clones (ROCKPOOL_TART_IMAGE's default). */
const BASE_VM = 'rockpool-base';

/**
 * The fake's guests: their gate on 8080, where the worker's tart runtime looks, each at an address
 * of its own (Linux routes all of 127/8 to loopback; a random /24 keeps clear of other suites).
 */
function bootableGuests(): Record<string, string> {
  const net = `127.${100 + randomInt(150)}.${randomInt(256)}`;
  return {
    FAKE_TART_IDE_PORT: '8080',
    FAKE_TART_BOOT_MS: '200',
    FAKE_TART_LEASE_IPS:
      process.platform === 'linux'
        ? Array.from({ length: 4 }, (_, i) => `${net}.${i + 2}`).join(',')
        : '127.0.0.1',
  };
}

/** Every `tart run` the fake started (it appends each pid to $TART_HOME/run-pids). */
const runPids = (tartHome: string): number[] =>
  existsSync(join(tartHome, 'run-pids'))
    ? readFileSync(join(tartHome, 'run-pids'), 'utf8').trim().split('\n').map(Number)
    : [];

function killIfRunning(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

export interface TestStackOptions {
  /** Names the temporary directory (`rockpool-NAME-...`). */
  name: string;
  /** What the user's shell has when running `rockpool up` (secrets): set in this process's env. */
  shellEnv: Record<string, string>;
  /** More settings for `readSettings`, e.g. ROCKPOOL_RATE_LIMITS. */
  settingsEnv?: Record<string, string>;
  /** Where `up` writes its progress (default: nowhere). */
  echo?: NodeJS.WritableStream;
  /**
   * Workspaces boot (to `running`): the fake tart gets a base VM and its guests a gate on the
   * port the worker expects (8080) on addresses of their own. Without it a workspace ends in error
   * (no base VM), which tests of users and routes do not mind.
   */
  bootable?: boolean;
}

export interface TestStack {
  root: string;
  dataDir: string;
  /** The control plane's origin, `http://127.0.0.1:PORT`. */
  cp: string;
  /** The workspaces' origin. */
  ws: string;
  stack: RunningStack;
  /** Stops the stack, restores this process's env and removes the directory. */
  stop(): Promise<void>;
}

export async function startTestStack(options: TestStackOptions): Promise<TestStack> {
  const savedEnv = { ...process.env };
  const root = mkdtempSync(join(tmpdir(), `rockpool-${options.name}-`));
  // Not created yet: `up` makes it.
  const dataDir = join(root, 'data');
  const tartHome = join(root, 'tart');
  const cleanUp = () => {
    process.env = savedEnv;
    // `rockpool up` keeps VMs when it stops (the next run adopts them): here they go with the test.
    for (const pid of runPids(tartHome)) killIfRunning(pid);
    rmSync(root, { recursive: true, force: true });
  };
  try {
    // The fake tart keeps its VMs in TART_HOME; the worker passes it no such variable.
    const bin = join(root, 'bin');
    mkdirSync(bin);
    const fakeEnv = { TART_HOME: tartHome, ...(options.bootable ? bootableGuests() : {}) };
    const assignments = Object.entries(fakeEnv).map(([key, value]) => `${key}=${JSON.stringify(value)}`);
    writeFileSync(
      join(bin, 'tart'),
      `#!/bin/sh\n${assignments.join(' ')} exec ${JSON.stringify(FAKE_TART)} "$@"\n`,
    );
    chmodSync(join(bin, 'tart'), 0o755);
    if (options.bootable) execFileSync(join(bin, 'tart'), ['create', '--linux', BASE_VM]);
    Object.assign(process.env, options.shellEnv, {
      ROCKPOOL_RUNTIME: 'tart',
      PATH: `${bin}:${process.env.PATH}`,
    });
    const [controlPlanePort, workspacePort] = [await freePort(), await freePort()];
    const stack = await up(
      readSettings(
        {
          ROCKPOOL_DATA_DIR: dataDir,
          ROCKPOOL_CADDY_BIN: caddyBinaryForTests(),
          ROCKPOOL_CONTROL_PLANE_PORT: String(controlPlanePort),
          ROCKPOOL_WORKSPACE_PORT: String(workspacePort),
          ...(options.shellEnv.CADDY_PASSWORD ? { CADDY_PASSWORD: options.shellEnv.CADDY_PASSWORD } : {}),
          ...options.settingsEnv,
        },
        // Path mode, explicitly: these tests reach workspaces by path on 127.0.0.1 (subdomain
        // routing, the local default otherwise, has tests of its own).
        applyConfigFlags(undefined, { 'routing-mode': 'path' }),
      ),
      options.echo ?? new Writable({ write: (_chunk, _encoding, done) => done() }),
    );
    return {
      root,
      dataDir,
      cp: `http://127.0.0.1:${controlPlanePort}`,
      ws: `http://127.0.0.1:${workspacePort}`,
      stack,
      async stop() {
        try {
          await stack.stop();
        } finally {
          cleanUp();
        }
      },
    };
  } catch (error) {
    cleanUp();
    throw error;
  }
}
