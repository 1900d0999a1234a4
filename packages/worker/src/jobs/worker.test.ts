import { setTimeout as sleep } from 'node:timers/promises';
import { beforeEach, describe, expect, it } from 'vitest';
import { create, get, stateOf, until, useWorkerFixture } from './worker.fixture.js';
import { Worker, type WorkerOptions } from './worker.js';

const f = useWorkerFixture();
let worker: Worker;

/** A started worker on the fixture, stopped after the test. */
async function startWorker(
  router = f.edge.router,
  options: WorkerOptions = { pollMs: 20, healthIntervalMs: 200, ideTimeoutMs: 5_000, leaseMs: 1_000 },
): Promise<Worker> {
  const started = new Worker({ ...f.stores, runtime: f.runtime, router, log: f.log }, options);
  f.cleanups.push(() => started.stop());
  await started.start();
  return started;
}

beforeEach(async () => {
  worker = await startWorker();
});

describe('Worker: its parts wired together, against the real Caddy and SQLite (fake VMs)', () => {
  it('beats while it runs, runs jobs, and removes its heartbeat when stopped', async () => {
    expect(f.stores.heartbeats.latest()).toMatchObject({ workerId: worker.id, runtime: 'qemu' });
    create(f, 'alice');
    await until('running', () => stateOf(f, 'alice') === 'running');
    expect(f.logs.some((line) => line.startsWith(`[${worker.id}] alice is running`))).toBe(true);
    await worker.stop();
    expect(f.stores.heartbeats.latest()).toBeUndefined();
  });

  it('a route sync computed before a port was added does not undo the port route', async () => {
    const { stores } = f;
    const ws = create(f, 'alice');
    await until('running', () => stateOf(f, 'alice') === 'running');
    await worker.stop();
    // Once closed, the gate holds a sync's write after its database snapshot: the window in which
    // a job's write used to land and be undone.
    let gate: Promise<void> | undefined;
    let openGate: () => void = () => {};
    const router = f.edge.router;
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
    worker = await startWorker(gated, {
      pollMs: 20,
      healthIntervalMs: 5_000,
      ideTimeoutMs: 5_000,
      leaseMs: 1_000,
    });
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
    expect((await get(f, '/workspace/alice/port/3000/')).headers.get('x-upstream')).toBe('app');
  });

  it('puts routes back when Caddy lost them, without touching right ones', async () => {
    create(f, 'alice');
    create(f, 'bob');
    await until('both running', () => stateOf(f, 'alice') === 'running' && stateOf(f, 'bob') === 'running');
    await f.edge.router.removeWorkspace('alice');
    expect((await get(f, '/workspace/alice/')).status).toBe(404);
    await until('route back', async () => (await get(f, '/workspace/alice/')).status === 200);
    expect((await get(f, '/workspace/bob/')).status).toBe(200);
  });

  it('notices a VM that dies: the health check runs every interval', async () => {
    create(f, 'alice');
    await until('running', () => stateOf(f, 'alice') === 'running');
    await f.runtime.crash('alice');
    await until('error', () => stateOf(f, 'alice') === 'error');
    expect(f.stores.workspaces.find('alice')?.error).toContain('stopped unexpectedly');
    await until('route removed', async () => (await get(f, '/workspace/alice/')).status === 404);
  });

  it('finishes a job whose worker died mid-way (lease expiry), and reaps orphan VMs at start-up', async () => {
    const { stores, runtime } = f;
    await worker.stop();
    const ws = create(f, 'alice');
    // A worker claimed the job, got as far as creating the VM, then died.
    stores.jobs.claim('dead-worker', 1_000);
    await runtime.create({ workspace: 'alice', cpus: 1, memoryMiB: 512 });
    await runtime.create({ workspace: 'orphan', cpus: 1, memoryMiB: 512 });
    worker = await startWorker();
    expect(await runtime.list()).not.toContain('orphan');
    await until('running after the lease expired', () => stateOf(f, 'alice') === 'running', 10_000);
    expect(stores.jobs.pending(ws.id)).toEqual([]);
    expect((await get(f, '/workspace/alice/')).status).toBe(200);
  });
});
