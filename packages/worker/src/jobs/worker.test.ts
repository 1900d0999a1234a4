import { mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type EchoUpstream, startEchoUpstream, startTestEdge, type TestEdge } from '@rockpool/caddy/testing';
import { type Db, HeartbeatStore, JobQueue, openDatabase, PortStore, WorkspaceStore } from '@rockpool/db';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { VmInfo, VmRuntime, VmSpec } from '../runtime/vm-runtime.js';
import { Worker } from './worker.js';

/** A fake code-server: an echo server behind a TCP front that can stop answering, at the same address. */
interface FakeIde {
  address: string;
  frozen: boolean;
  /** Connections accepted and left unanswered while frozen. */
  unanswered: number;
  close(): Promise<void>;
}

async function startFakeIde(name: string): Promise<FakeIde> {
  const echo = await startEchoUpstream({ name });
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const front: Server = createServer((client) => {
    track(client);
    if (ide.frozen) {
      ide.unanswered++;
      return;
    }
    const upstream = connect(echo.port, '127.0.0.1');
    track(upstream);
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  const ide: FakeIde = {
    address: `127.0.0.1:${(front.address() as AddressInfo).port}`,
    frozen: false,
    unanswered: 0,
    close: async () => {
      await new Promise<void>((resolve) => {
        front.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      await echo.close();
    },
  };
  return ide;
}

/** An in-memory VM runtime whose "IDE" and apps are real HTTP servers; fails on demand. */
class FakeRuntime implements VmRuntime {
  readonly kind = 'qemu' as const;
  readonly vms = new Map<string, { running: boolean; ide?: FakeIde; ports: Map<number, string> }>();
  failStart = 0;
  constructor(private readonly appAddress: string) {}
  async create(spec: VmSpec) {
    if (!this.vms.has(spec.workspace)) this.vms.set(spec.workspace, { running: false, ports: new Map() });
  }
  async start(spec: VmSpec): Promise<VmInfo> {
    await this.create(spec);
    if (this.failStart > 0) {
      this.failStart--;
      throw new Error('QEMU could not start (simulated)');
    }
    const vm = this.vms.get(spec.workspace);
    if (vm && !vm.running) {
      vm.ide = await startFakeIde(`ide-${spec.workspace}`);
      vm.running = true;
    }
    return this.inspect(spec.workspace);
  }
  async inspect(workspace: string): Promise<VmInfo> {
    const vm = this.vms.get(workspace);
    if (!vm) return { workspace, state: 'absent' };
    return vm.running && vm.ide
      ? { workspace, state: 'running', ide: vm.ide.address }
      : { workspace, state: 'stopped' };
  }
  /** The VM's code-server stops answering (it still accepts connections), as in a guest starved of CPU. */
  freezeIde(workspace: string): FakeIde {
    const ide = this.vms.get(workspace)?.ide;
    if (!ide) throw new Error(`${workspace} has no IDE`);
    ide.frozen = true;
    ide.unanswered = 0;
    return ide;
  }
  async exposePort(workspace: string, port: number) {
    const vm = this.vms.get(workspace);
    if (!vm?.running) throw new Error('not running');
    vm.ports.set(port, this.appAddress);
    return this.appAddress;
  }
  async unexposePort(workspace: string, port: number) {
    this.vms.get(workspace)?.ports.delete(port);
  }
  async stop(workspace: string) {
    const vm = this.vms.get(workspace);
    if (vm?.running) {
      await vm.ide?.close();
      vm.running = false;
    }
  }
  async delete(workspace: string) {
    await this.stop(workspace);
    this.vms.delete(workspace);
  }
  async list() {
    return [...this.vms.keys()];
  }
  /** The VM dies behind the worker's back. */
  async crash(workspace: string) {
    await this.stop(workspace);
  }
}

let dir: string;
let db: Db;
let edge: TestEdge;
let app: EchoUpstream;
let runtime: FakeRuntime;
let stores: { workspaces: WorkspaceStore; ports: PortStore; jobs: JobQueue; heartbeats: HeartbeatStore };
let worker: Worker;
let logs: string[];

const get = (path: string) =>
  fetch(`${edge.workspacesUrl}${path}`, {
    headers: { ...edge.authHeader(), Connection: 'close' },
    redirect: 'manual',
  });
async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(50);
  }
}
const state = (name: string) => stores.workspaces.find(name)?.state;
function newWorker() {
  return new Worker(
    { ...stores, runtime, router: edge.router, log: (message) => logs.push(message) },
    {
      pollMs: 20,
      healthIntervalMs: 200,
      ideTimeoutMs: 5_000,
      leaseMs: 1_000,
      ideFailuresBeforeError: 2,
      ideUnresponsiveMs: 3_000,
      ideProbeTimeoutMs: 300,
    },
  );
}
function create(name: string) {
  const ws = stores.workspaces.insert({ name, cpus: 1, memoryMiB: 512, owner: 'alice' });
  stores.jobs.enqueue(ws.id, 'provision');
  return ws;
}

/** Undo steps of what beforeEach made so far, run last-first: a set-up that fails half-way leaves nothing. */
let cleanups: (() => unknown)[] = [];

beforeEach(async () => {
  logs = [];
  cleanups = [];
  dir = mkdtempSync(join(tmpdir(), 'rockpool-worker-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  db = openDatabase(join(dir, 'rockpool.db'));
  cleanups.push(() => db.close());
  stores = {
    workspaces: new WorkspaceStore(db),
    ports: new PortStore(db),
    jobs: new JobQueue(db),
    heartbeats: new HeartbeatStore(db),
  };
  edge = await startTestEdge();
  cleanups.push(() => edge.close());
  app = await startEchoUpstream({ name: 'app' });
  cleanups.push(() => app.close());
  runtime = new FakeRuntime(app.address);
  cleanups.push(async () => {
    for (const name of await runtime.list()) await runtime.delete(name);
  });
  worker = newWorker();
  cleanups.push(() => worker.stop());
  await worker.start();
});
afterEach(async () => {
  const failures: unknown[] = [];
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup();
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length > 0) throw new AggregateError(failures, 'clean-up failed');
});

describe('Worker against the real Caddy and SQLite (fake VMs)', () => {
  it('provisions: VM, IDE, route, running; then stop, start and delete', async () => {
    const ws = create('alice');
    await until('running', () => state('alice') === 'running');
    expect(stores.workspaces.find('alice')?.phase).toBe('ready');
    expect((await get('/workspace/alice/')).headers.get('x-upstream')).toBe('ide-alice');

    stores.workspaces.transition(ws.id, ['running'], { state: 'stopping', phase: 'stopping' });
    stores.jobs.enqueue(ws.id, 'stop');
    await until('stopped', () => state('alice') === 'stopped');
    expect((await get('/workspace/alice/')).status).toBe(404);

    stores.workspaces.transition(ws.id, ['stopped'], { state: 'starting', phase: 'queued' });
    stores.jobs.enqueue(ws.id, 'start');
    await until('running again', () => state('alice') === 'running');
    expect((await get('/workspace/alice/')).status).toBe(200);

    stores.workspaces.transition(ws.id, ['running'], { state: 'deleting', phase: 'deleting' });
    stores.jobs.enqueue(ws.id, 'delete');
    await until('deleted', () => stores.workspaces.find('alice') === undefined);
    expect(await runtime.list()).toEqual([]);
    expect((await get('/workspace/alice/')).status).toBe(404);
  });

  it('adds and removes port routes on a running workspace', async () => {
    const ws = create('alice');
    await until('running', () => state('alice') === 'running');
    stores.ports.add(ws.id, 3000);
    const job = stores.jobs.enqueue(ws.id, 'add_port', { port: 3000 });
    await until('port added', () => stores.jobs.get(job.id)?.state === 'done');
    expect((await get('/workspace/alice/port/3000/')).headers.get('x-upstream')).toBe('app');
    await until('port seen listening', () => stores.ports.list(ws.id)[0]?.listening === true);
    await app.close();
    await until('port seen not listening', () => stores.ports.list(ws.id)[0]?.listening === false);
    const removal = stores.jobs.enqueue(ws.id, 'remove_port', { port: 3000 });
    await until('port removed', () => stores.jobs.get(removal.id)?.state === 'done');
    expect((await get('/workspace/alice/port/3000/')).status).toBe(404);
    expect(stores.ports.list(ws.id)).toEqual([]);
  });

  it('a route sync computed before a port was added does not undo the port route', async () => {
    const ws = create('alice');
    await until('running', () => state('alice') === 'running');
    await worker.stop();
    // Once closed, the gate holds a sync's write after its database snapshot: the window in which
    // a job's write used to land and be undone.
    let gate: Promise<void> | undefined;
    let openGate: () => void = () => {};
    const router = edge.router;
    const gated = {
      putWorkspace: router.putWorkspace.bind(router),
      removeWorkspace: router.removeWorkspace.bind(router),
      putPort: router.putPort.bind(router),
      removePort: router.removePort.bind(router),
      sync: async (...args: Parameters<typeof router.sync>) => {
        await gate;
        return router.sync(...args);
      },
    } as unknown as typeof router;
    // No periodic sync within the test's window: only the stale one may act.
    worker = new Worker(
      { ...stores, runtime, router: gated, log: () => {} },
      { pollMs: 20, healthIntervalMs: 5_000, ideTimeoutMs: 5_000, leaseMs: 1_000 },
    );
    await worker.start();
    gate = new Promise<void>((resolve) => {
      openGate = resolve;
    });
    const staleSync = worker.syncRoutes();
    await sleep(100);
    stores.ports.add(ws.id, 3000);
    const job = stores.jobs.enqueue(ws.id, 'add_port', { port: 3000 });
    await sleep(300);
    openGate();
    await staleSync;
    await until('port added', () => stores.jobs.get(job.id)?.state === 'done');
    expect((await get('/workspace/alice/port/3000/')).headers.get('x-upstream')).toBe('app');
  });

  it('retries a failed start, and marks the workspace error once attempts run out', async () => {
    runtime.failStart = 1;
    create('flaky');
    await until('running after a retry', () => state('flaky') === 'running');

    runtime.failStart = 99;
    create('broken');
    await until('error', () => state('broken') === 'error', 15_000);
    expect(stores.workspaces.find('broken')?.error).toContain('QEMU could not start');
    expect((await get('/workspace/broken/')).status).toBe(404);
  });

  it('notices a VM that dies and shows error instead of a silent 502', async () => {
    create('alice');
    await until('running', () => state('alice') === 'running');
    await runtime.crash('alice');
    await until('error', () => state('alice') === 'error');
    expect(stores.workspaces.find('alice')?.error).toContain('stopped unexpectedly');
    await until('route removed', async () => (await get('/workspace/alice/')).status === 404);
  });

  it('rides out an IDE that is slow for a moment, and shows error when it stays silent', async () => {
    create('alice');
    await until('running', () => state('alice') === 'running');

    const ide = runtime.freezeIde('alice');
    // More failed checks than ideFailuresBeforeError, over less time than ideUnresponsiveMs.
    await until('three failed checks', () => ide.unanswered >= 3);
    expect(logs.filter((l) => l.includes('alice: code-server did not answer'))).toHaveLength(1);
    ide.frozen = false;
    await until('answers again', () => logs.some((l) => l.includes('alice: code-server answers again')));
    await sleep(3_500); // longer than ideUnresponsiveMs: the outage that ended must not count
    expect(state('alice')).toBe('running');
    expect((await get('/workspace/alice/')).status).toBe(200);

    runtime.freezeIde('alice');
    await until('error', () => state('alice') === 'error');
    expect(stores.workspaces.find('alice')?.error).toMatch(
      /^code-server stopped answering: no answer within 0.3 s \(\d+ checks over \d+ s\)$/,
    );
    // The state turns first, the route comes down a moment later.
    await until('route removed', async () => (await get('/workspace/alice/')).status === 404);
  });

  it('puts routes back when Caddy lost them, without touching right ones', async () => {
    create('alice');
    create('bob');
    await until('both running', () => state('alice') === 'running' && state('bob') === 'running');
    await edge.router.removeWorkspace('alice');
    expect((await get('/workspace/alice/')).status).toBe(404);
    await until('route back', async () => (await get('/workspace/alice/')).status === 200);
    expect((await get('/workspace/bob/')).status).toBe(200);
  });

  it('finishes a job whose worker died mid-way (lease expiry), and reaps orphan VMs at start-up', async () => {
    await worker.stop();
    const ws = create('alice');
    // A worker claimed the job, got as far as creating the VM, then died.
    stores.jobs.claim('dead-worker', 1_000);
    await runtime.create({ workspace: 'alice', cpus: 1, memoryMiB: 512 });
    await runtime.create({ workspace: 'orphan', cpus: 1, memoryMiB: 512 });
    worker = newWorker();
    await worker.start();
    expect(await runtime.list()).not.toContain('orphan');
    await until('running after the lease expired', () => state('alice') === 'running', 10_000);
    expect(stores.jobs.pending(ws.id)).toEqual([]);
    expect((await get('/workspace/alice/')).status).toBe(200);
  });
});
