import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { freeLoopbackPort } from '../loopback-port.js';
import { TartRuntime, type TartRuntimeOptions } from './tart-runtime.js';

/** The fake tart CLI (packages/worker/test/fake-tart/tart) and helpers for tests that drive it. */
export const FAKE_TART = fileURLToPath(new URL('../../../test/fake-tart/tart', import.meta.url));
export const BASE = 'rockpool-base';
/**
 * The guests' addresses: one per VM, as on a Mac. Linux routes all of 127/8 to loopback; macOS only
 * 127.0.0.1, where a second VM running at once gets no lease (tests that need two are Linux-only).
 */
export const LEASE_IPS =
  process.platform === 'linux'
    ? Array.from({ length: 8 }, (_, i) => `127.0.0.${i + 2}`).join(',')
    : '127.0.0.1';

/** Whether `pid` runs: a zombie (exited, not yet reaped by whoever inherited it) does not. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = spawnSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' });
  return stat.status === 0 && !stat.stdout.trim().startsWith('Z');
}

export async function untilGone(pid: number, timeoutMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isRunning(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

export interface FakeTart {
  root: string;
  /** The TART_HOME every runtime of this fake shares (one user's tart). */
  home: string;
  env: Record<string, string>;
  options: TartRuntimeOptions & { guestIdePort: number };
  runtime: TartRuntime;
  /** The fake run directly, as a user at a terminal would run tart. */
  tart(...args: string[]): string;
  /** Every `tart run` the fake ever started (it appends its pid to $TART_HOME/run-pids). */
  runPids(): number[];
  /** What the fake recorded about a VM (shares.json, guest-env.json, network, shutdown). */
  recorded(vm: string, file: string): string;
  /** A file the guest wrote: from its page cache (unflushed) or its disk. */
  guestFile(vm: string, file: string): string | undefined;
  /** The guest writes a file: it lands in the guest's page cache. */
  guestWrite(vm: string, file: string, text: string): void;
  /** Kills by PID every `tart run` still alive, removes the directories, and fails if any was alive. */
  cleanup(): Promise<void>;
}

/** Every fake made, so a suite's afterAll can clean up what a failed test left. */
export const fakes: FakeTart[] = [];

/**
 * A fake tart home holding a base VM, a TartRuntime on it (instance `test1`), and a cleanup that
 * checks nothing was left running. `fakeEnv` sets the fake's knobs.
 */
export async function fakeTart(
  overrides: Partial<TartRuntimeOptions> = {},
  fakeEnv: Record<string, string> = {},
): Promise<FakeTart> {
  const root = mkdtempSync(join(tmpdir(), 'rockpool-tart-'));
  const home = join(root, 'tart-home');
  const idePort = await freeLoopbackPort();
  const env = {
    TART_HOME: home,
    FAKE_TART_IDE_PORT: String(idePort),
    FAKE_TART_BOOT_MS: '200',
    FAKE_TART_LEASE_IPS: LEASE_IPS,
    ...fakeEnv,
  };
  const tart = (...args: string[]) =>
    execFileSync(FAKE_TART, args, { env: { ...process.env, ...env }, encoding: 'utf8' });
  tart('create', '--linux', BASE);
  const options = {
    tartBinary: FAKE_TART,
    baseImage: BASE,
    instanceId: 'test1',
    stateDir: join(root, 'state'),
    env,
    guestIdePort: idePort, // the fake's gate listens on <lease address>:<idePort>, not 8080
    ipWaitSeconds: 10,
    stopTimeoutSeconds: 5,
    runStartTimeoutMs: 10_000,
    ...overrides,
  } satisfies TartRuntimeOptions;
  const runPids = () =>
    existsSync(join(home, 'run-pids'))
      ? readFileSync(join(home, 'run-pids'), 'utf8').trim().split('\n').map(Number)
      : [];
  const guestDir = (vm: string, part: string) => join(home, 'vms', vm, 'guest', part);
  let cleaned = false;
  const fake: FakeTart = {
    root,
    home,
    env,
    options,
    runtime: new TartRuntime(options),
    tart,
    runPids,
    recorded: (vm, file) => readFileSync(join(home, 'vms', vm, file), 'utf8'),
    guestFile(vm, file) {
      for (const part of ['page-cache', 'disk'])
        if (existsSync(join(guestDir(vm, part), file)))
          return readFileSync(join(guestDir(vm, part), file), 'utf8');
      return undefined;
    },
    guestWrite(vm, file, text) {
      mkdirSync(guestDir(vm, 'page-cache'), { recursive: true });
      writeFileSync(join(guestDir(vm, 'page-cache'), file), text);
    },
    async cleanup() {
      if (cleaned) return;
      cleaned = true;
      const survivors = runPids().filter(isRunning);
      for (const pid of survivors) process.kill(pid, 'SIGKILL');
      rmSync(root, { recursive: true, force: true });
      expect(survivors, 'tart run processes left running').toEqual([]);
    },
  };
  fakes.push(fake);
  return fake;
}
