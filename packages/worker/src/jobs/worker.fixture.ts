import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type EchoUpstream, startEchoUpstream, startTestEdge, type TestEdge } from '@rockpool/caddy/testing';
import { type Db, HeartbeatStore, JobQueue, openDatabase, PortStore, WorkspaceStore } from '@rockpool/db';
import { afterEach, beforeEach } from 'vitest';
import { FakeRuntime } from '../runtime/fake/fake-runtime.js';
import { workspaceRoute } from './workspace-route.js';

export interface Stores {
  workspaces: WorkspaceStore;
  ports: PortStore;
  jobs: JobQueue;
  heartbeats: HeartbeatStore;
}

/**
 * What the worker's parts run against in tests: a real SQLite file, the real Caddy (a test edge),
 * an app (an echo server every guest port leads to, through each VM's gate) and the fake runtime. Fields are set anew
 * before each test.
 */
export interface WorkerFixture {
  db: Db;
  stores: Stores;
  edge: TestEdge;
  app: EchoUpstream;
  runtime: FakeRuntime;
  /** The clock of every guest's gate (ms, monotonic): a test that moves idle time by hand replaces it. */
  gateClock: () => number;
  /** What the part under test logged. */
  logs: string[];
  log: (message: string) => void;
  /** Undo steps, run last-first after the test (a part a test started, stopped). */
  cleanups: (() => unknown)[];
}

/**
 * Sets up a {@link WorkerFixture} before each test and tears it down after, last-made first: a set-up
 * that fails half-way leaves nothing behind.
 */
export function useWorkerFixture(): WorkerFixture {
  const fixture = { cleanups: [] } as unknown as WorkerFixture;
  beforeEach(async () => {
    const cleanups: (() => unknown)[] = [];
    fixture.cleanups = cleanups;
    fixture.logs = [];
    fixture.log = (message) => fixture.logs.push(message);
    const dir = mkdtempSync(join(tmpdir(), 'rockpool-worker-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const db = openDatabase(join(dir, 'rockpool.db'));
    fixture.db = db;
    cleanups.push(() => db.close());
    fixture.stores = {
      workspaces: new WorkspaceStore(db),
      ports: new PortStore(db),
      jobs: new JobQueue(db),
      heartbeats: new HeartbeatStore(db),
    };
    const edge = await startTestEdge();
    fixture.edge = edge;
    cleanups.push(() => edge.close());
    const app = await startEchoUpstream({ name: 'app' });
    fixture.app = app;
    cleanups.push(() => app.close());
    fixture.gateClock = () => performance.now();
    const runtime = new FakeRuntime({ app: app.address, gateClock: () => fixture.gateClock() });
    fixture.runtime = runtime;
    cleanups.push(async () => {
      for (const name of await runtime.list()) await runtime.delete(name);
    });
  });
  afterEach(async () => {
    const failures: unknown[] = [];
    for (const cleanup of fixture.cleanups.reverse()) {
      try {
        await cleanup();
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length > 0) throw new AggregateError(failures, 'clean-up failed');
  });
  return fixture;
}

/** GET through the edge's workspaces server, as the test user. */
export function get(fixture: WorkerFixture, path: string): Promise<Response> {
  return fetch(`${fixture.edge.workspacesUrl}${path}`, {
    headers: { ...fixture.edge.authHeader(), Connection: 'close' },
    redirect: 'manual',
  });
}

export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(50);
  }
}

export function stateOf(fixture: WorkerFixture, name: string) {
  return fixture.stores.workspaces.find(name)?.state;
}

/** A new workspace with its provision job queued, as the API makes it. */
export function create(fixture: WorkerFixture, name: string) {
  const ws = fixture.stores.workspaces.insert({ name, cpus: 1, memoryMiB: 512, owner: 'alice' });
  fixture.stores.jobs.enqueue(ws.id, 'provision');
  return ws;
}

/**
 * A workspace as a finished provision job leaves it, without a job runner: its VM runs, its route
 * (with its registered `ports`) is in Caddy, and it is `running`.
 */
export async function running(fixture: WorkerFixture, name: string, ports: number[] = []) {
  const { stores, runtime, edge } = fixture;
  const ws = stores.workspaces.insert({ name, cpus: 1, memoryMiB: 512, owner: 'alice' });
  const vm = await runtime.start({ workspace: name, cpus: 1, memoryMiB: 512 });
  for (const port of ports) stores.ports.add(ws.id, port);
  if (!vm.gate) throw new Error(`${name} runs without a gate`);
  await edge.router.putWorkspace(workspaceRoute(stores.ports, ws, vm.gate));
  stores.workspaces.transition(ws.id, ['creating'], { state: 'running', phase: 'ready' });
  return ws;
}
