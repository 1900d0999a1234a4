/**
 * A whole stack started by `rockpool up` for the CLI's integration tests: the xcaddy-built Caddy,
 * the server and the worker with the tart runtime and the fake tart (no VM needed), on a data dir
 * and free ports of its own.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { caddyBinaryForTests, freePort } from '@rockpool/caddy/testing';
import { readSettings } from '../settings.js';
import { type RunningStack, up } from './up.js';

const FAKE_TART = join(
  dirname(fileURLToPath(import.meta.resolve('@rockpool/worker/main'))),
  '..',
  'test',
  'fake-tart',
  'tart',
);

export interface TestStackOptions {
  /** Names the temporary directory (`rockpool-NAME-...`). */
  name: string;
  /** What the user's shell has when running `rockpool up` (secrets): set in this process's env. */
  shellEnv: Record<string, string>;
  /** More settings for `readSettings`, e.g. ROCKPOOL_RATE_LIMITS. */
  settingsEnv?: Record<string, string>;
  /** Where `up` writes its progress (default: nowhere). */
  echo?: NodeJS.WritableStream;
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
  const cleanUp = () => {
    process.env = savedEnv;
    rmSync(root, { recursive: true, force: true });
  };
  try {
    // The fake tart keeps its VMs in TART_HOME; the worker passes it no such variable.
    const bin = join(root, 'bin');
    mkdirSync(bin);
    writeFileSync(
      join(bin, 'tart'),
      `#!/bin/sh\nTART_HOME=${JSON.stringify(join(root, 'tart'))} exec ${JSON.stringify(FAKE_TART)} "$@"\n`,
    );
    chmodSync(join(bin, 'tart'), 0o755);
    Object.assign(process.env, options.shellEnv, {
      ROCKPOOL_RUNTIME: 'tart',
      PATH: `${bin}:${process.env.PATH}`,
    });
    const [controlPlanePort, workspacePort] = [await freePort(), await freePort()];
    const stack = await up(
      readSettings({
        ROCKPOOL_DATA_DIR: dataDir,
        ROCKPOOL_CADDY_BIN: caddyBinaryForTests(),
        ROCKPOOL_CONTROL_PLANE_PORT: String(controlPlanePort),
        ROCKPOOL_WORKSPACE_PORT: String(workspacePort),
        ...(options.shellEnv.CADDY_PASSWORD ? { CADDY_PASSWORD: options.shellEnv.CADDY_PASSWORD } : {}),
        ...options.settingsEnv,
      }),
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
