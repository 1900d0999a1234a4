/**
 * Idle suspend on real VMs: the whole worker (job runner, health monitor, idle watch) with the
 * QEMU runtime, the real Caddy and SQLite. Two workspaces with a one-minute idle timeout; requests
 * through the edge keep one awake while the other, untouched, is suspended.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { edgeRequest, startTestEdge, type TestEdge } from '@rockpool/caddy/testing';
import { type Db, openDatabase, type Stores, storesOf } from '@rockpool/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QemuRuntime } from '../runtime/qemu/qemu-runtime.js';
import { Worker } from './worker.js';

const imageDir = process.env.ROCKPOOL_GUEST_IMAGE;
if (!imageDir)
  throw new Error('ROCKPOOL_GUEST_IMAGE is not set: run scripts/build-guest-image.sh (scripts/test.sh does)');

let dir: string;
let db: Db;
let stores: Stores;
let edge: TestEdge;
let runtime: QemuRuntime;
let worker: Worker;
const logs: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rockpool-idle-vm-'));
  db = openDatabase(join(dir, 'rockpool.db'));
  stores = storesOf(db);
  edge = await startTestEdge();
  runtime = new QemuRuntime({ imageDir: imageDir as string, stateDir: join(dir, 'vms') });
  worker = new Worker(
    { ...stores, runtime, router: edge.router, log: (line) => logs.push(line) },
    { healthIntervalMs: 2_000 },
  );
  await worker.start();
});

afterAll(async () => {
  await worker?.stop();
  // Whatever still runs is killed by its PID, then everything is removed.
  for (const name of (await runtime?.list()) ?? []) {
    const { pid } = await runtime.inspect(name);
    if (pid) process.kill(pid, 'SIGKILL');
  }
  await edge?.close();
  db?.close();
  rmSync(dir, { recursive: true, force: true });
  if (logs.length > 0) process.stderr.write(`worker log:\n${logs.join('\n')}\n`);
});

async function until(what: string, timeoutMs: number, check: () => boolean | Promise<boolean>) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs / 1000} s`);
    await sleep(1_000);
  }
}

const stateOf = (name: string) => stores.workspaces.find(name)?.state;
/** A request from outside a browser (no Sec-Fetch-Mode): activity, as the gate counts it. */
const throughEdge = (path: string) =>
  edgeRequest(`${edge.workspacesUrl}${path}`, { headers: edge.authHeader() });

describe('idle suspend on real VMs', () => {
  it('suspends the untouched workspace after its timeout; requests keep the other one running', async () => {
    for (const name of ['quiet', 'busy']) {
      const ws = stores.workspaces.insert({
        name,
        cpus: 1,
        memoryMiB: 1024,
        // Whom edge.authHeader() signs in: the edge admits only a workspace's owner.
        owner: edge.users[0]?.username ?? '',
        idleTimeoutMinutes: 1,
      });
      stores.jobs.enqueue(ws.id, 'provision');
    }
    await until(
      'both running',
      420_000,
      () => stateOf('quiet') === 'running' && stateOf('busy') === 'running',
    );
    expect((await throughEdge('/workspace/busy/healthz')).status).toBe(200);

    const since = Date.now();
    let busyStayedUp = true;
    // A request through the edge every 10 s: activity, as the gate counts it.
    while (stateOf('quiet') !== 'suspended') {
      if (Date.now() - since > 240_000) throw new Error(`quiet is still ${stateOf('quiet')} after 240 s`);
      expect((await throughEdge('/workspace/busy/healthz')).status).toBe(200);
      if (stateOf('busy') !== 'running') busyStayedUp = false;
      await sleep(10_000);
    }
    expect(busyStayedUp).toBe(true);
    expect(stateOf('busy')).toBe('running');
    // Suspended for its timeout, counted from when it came up: the worker's own checks are no activity.
    expect(
      logs.some((line) => /quiet: idle for 1 min \(its timeout: 1 min\); suspending it/.test(line)),
    ).toBe(true);
    expect((await runtime.inspect('quiet')).state).toBe('suspended');
    expect(stores.workspaces.find('busy')?.activeAt).not.toBeNull();
  });
});
