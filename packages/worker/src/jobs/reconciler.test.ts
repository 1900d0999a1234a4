import { startEchoUpstream } from '@rockpool/caddy/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { Reconciler } from './reconciler.js';
import { RouteTurn } from './route-turn.js';
import { get, running, stateOf, useWorkerFixture } from './worker.fixture.js';

const f = useWorkerFixture();
let turn: RouteTurn;
let reconciler: Reconciler;
/** Port writes that have begun reaching Caddy. */
let portWritesBegun: number;
/** While set, the router's sync says it has come to its write, and waits for `open` before writing. */
let gate: { reached: () => void; open: Promise<void> } | undefined;

/** Holds the next sync at its write (its database snapshot taken) until `open()`. */
function holdNextSync(): { reached: Promise<void>; open: () => void } {
  let reached: () => void = () => {};
  let open: () => void = () => {};
  const held = {
    reached: new Promise<void>((resolve) => {
      reached = resolve;
    }),
    open: () => open(),
  };
  gate = {
    reached,
    open: new Promise<void>((resolve) => {
      open = resolve;
    }),
  };
  return held;
}

beforeEach(() => {
  gate = undefined;
  const router = f.edge.router;
  const gatedRouter = {
    sync: async (...args: Parameters<typeof router.sync>) => {
      if (gate) {
        gate.reached();
        await gate.open;
      }
      return router.sync(...args);
    },
    putWorkspace: (route: Parameters<typeof router.putWorkspace>[0]) => router.putWorkspace(route),
  };
  portWritesBegun = 0;
  turn = new RouteTurn({
    putWorkspace: (route) => router.putWorkspace(route),
    removeWorkspace: (name) => router.removeWorkspace(name),
    putPort: (route) => {
      portWritesBegun++;
      return router.putPort(route);
    },
    removePort: (name, port) => router.removePort(name, port),
  });
  reconciler = new Reconciler({ ...f.stores, runtime: f.runtime, router: gatedRouter, turn, log: f.log });
});

const spec = (workspace: string) => ({ workspace, cpus: 1, memoryMiB: 512 });

describe('Reconciler against the real Caddy and SQLite (fake VMs)', () => {
  it('at start-up reaps orphan VMs, restarts running workspaces whose VM is gone, stops stopped ones', async () => {
    const { stores, runtime } = f;
    await runtime.create(spec('orphan'));
    await running(f, 'fine');
    const gone = await running(f, 'gone');
    await runtime.crash('gone');
    const stopped = stores.workspaces.insert({ name: 'halted', cpus: 1, memoryMiB: 512, owner: 'x' });
    stores.workspaces.transition(stopped.id, ['creating'], { state: 'stopped', phase: 'stopped' });
    await runtime.start(spec('halted'));
    const busy = await running(f, 'busy');
    await runtime.crash('busy');
    stores.jobs.enqueue(busy.id, 'stop'); // its job decides, not the reconciler

    await reconciler.reconcile();
    expect(await runtime.list()).toEqual(['busy', 'fine', 'gone', 'halted']);
    expect(stateOf(f, 'gone')).toBe('starting');
    expect(stores.jobs.pending(gone.id).map((job) => job.kind)).toEqual(['start']);
    expect(await runtime.inspect('halted')).toMatchObject({ state: 'stopped' });
    expect(stateOf(f, 'busy')).toBe('running');
    expect((await get(f, '/workspace/fine/')).status).toBe(200);
    expect(f.logs).toEqual([
      'reconcile: removing VM orphan, which no workspace owns',
      'reconcile: gone should run but its VM is stopped; starting it again',
      'reconcile: halted is stopped but its VM runs; stopping it',
      // Kept as they are: the routes of workspaces with a job in flight (gone, busy) count as unchanged.
      'routes: added 0, updated 0, removed 0, unchanged 3',
    ]);
  });

  it('leaves a suspended workspace without a process alone, and suspends one whose VM runs', async () => {
    const { stores, runtime } = f;
    const asleep = await running(f, 'asleep');
    await runtime.suspend('asleep');
    stores.workspaces.transition(asleep.id, ['running'], { state: 'suspended', phase: 'suspended' });
    const awake = await running(f, 'awake');
    stores.workspaces.transition(awake.id, ['running'], { state: 'suspended', phase: 'suspended' });

    await reconciler.reconcile();
    expect(stateOf(f, 'asleep')).toBe('suspended');
    expect(stores.jobs.pending(asleep.id)).toEqual([]);
    expect(await runtime.inspect('asleep')).toEqual({ workspace: 'asleep', state: 'suspended' });
    expect(await runtime.inspect('awake')).toEqual({ workspace: 'awake', state: 'suspended' });
    expect((await get(f, '/workspace/awake/')).status).toBe(404);
    expect(f.logs).toEqual([
      'reconcile: awake is suspended but its VM runs; suspending it',
      'routes: added 0, updated 0, removed 2, unchanged 0',
    ]);
  });

  it('puts routes back when Caddy lost them, without touching right ones', async () => {
    await running(f, 'alice');
    await running(f, 'bob');
    await f.edge.router.removeWorkspace('alice');
    expect((await get(f, '/workspace/alice/')).status).toBe(404);
    await reconciler.syncRoutes();
    expect(f.logs).toEqual(['routes: added 1, updated 0, removed 0, unchanged 1']);
    expect((await get(f, '/workspace/alice/')).status).toBe(200);
    expect((await get(f, '/workspace/bob/')).status).toBe(200);
    await reconciler.syncRoutes();
    expect(f.logs).toHaveLength(1); // all right: nothing written, nothing said
  });

  it('routes sleeping workspaces (suspended, stopped) and their ports to the wake handler, failed ones nowhere', async () => {
    const wake = await startEchoUpstream({ name: 'wake' });
    f.cleanups.push(() => wake.close());
    const withWake = new Reconciler({
      ...f.stores,
      runtime: f.runtime,
      router: f.edge.router,
      turn,
      log: f.log,
      wakeUpstream: wake.address,
    });
    await running(f, 'alice');
    const sleepers = ['bob', 'carol', 'dave'].map((name) =>
      f.stores.workspaces.insert({ name, cpus: 1, memoryMiB: 512, owner: 'alice' }),
    );
    const [bob, carol, dave] = sleepers as [(typeof sleepers)[0], (typeof sleepers)[0], (typeof sleepers)[0]];
    f.stores.workspaces.transition(bob.id, ['creating'], { state: 'suspended', phase: 'suspended' });
    f.stores.workspaces.transition(carol.id, ['creating'], { state: 'stopped', phase: 'stopped' });
    f.stores.ports.add(carol.id, 3000);
    f.stores.workspaces.transition(dave.id, ['creating'], { state: 'error', phase: 'failed', error: 'x' });
    await withWake.syncRoutes();
    expect((await get(f, '/workspace/alice/')).headers.get('x-upstream')).toBe('ide-alice');
    expect((await get(f, '/workspace/bob/')).headers.get('x-upstream')).toBe('wake');
    expect((await get(f, '/workspace/carol/port/3000/')).headers.get('x-upstream')).toBe('wake');
    expect(wake.requests.at(-1)?.headers['x-rockpool-port']).toBe('3000');
    expect((await get(f, '/workspace/dave/')).status).toBe(404);
  });

  it('a sync holds the route turn from its snapshot to its write: a port added meanwhile stays', async () => {
    const ws = await running(f, 'alice');
    const held = holdNextSync();
    const staleSync = reconciler.syncRoutes();
    await held.reached;
    // What an add_port job does meanwhile: the port in the database, then its route.
    f.stores.ports.add(ws.id, 3000);
    const portWrite = turn.writes.putPort({ workspace: 'alice', port: 3000 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(portWritesBegun, 'the port write waits for the sync that holds the turn').toBe(0);
    held.open();
    await Promise.all([staleSync, portWrite]);
    expect((await get(f, '/workspace/alice/port/3000/')).headers.get('x-upstream')).toBe('app');
  });

  it('a route the edge refuses: its workspace shows the error, the others are routed, nothing repeats', async () => {
    await running(f, 'fine');
    const doomed = await running(f, 'doomed');
    await f.edge.router.removeWorkspace('fine');
    // The runtime reports a gate address the route builder refuses: writing it again cannot help.
    const inspect = f.runtime.inspect.bind(f.runtime);
    f.runtime.inspect = async (name) => {
      const vm = await inspect(name);
      return name === 'doomed' && vm.gate ? { ...vm, gate: { ...vm.gate, address: 'not an address' } } : vm;
    };
    await reconciler.syncRoutesPeriodically();
    const failed = f.stores.workspaces.find(doomed.id);
    expect(failed).toMatchObject({ state: 'error', phase: 'failed' });
    expect(failed?.error).toMatch(/^The edge \(Caddy\) refused the route of doomed: invalid upstream/);
    expect((await get(f, '/workspace/fine/')).status).toBe(200);
    expect(f.logs).toEqual([
      expect.stringMatching(/^routes: The edge \(Caddy\) refused the route of doomed/),
      // fine was put back while each route was tried alone; doomed's old route goes (in error: none).
      'routes: added 0, updated 0, removed 1, unchanged 1',
    ]);
    await reconciler.syncRoutesPeriodically();
    expect(f.logs).toHaveLength(2);
  });

  it('a failing periodic sync is logged once and backs off; its recovery is logged once', async () => {
    await running(f, 'alice');
    await f.edge.router.removeWorkspace('alice');
    let now = 0;
    const failing = {
      sync: async () => Promise.reject(new Error('caddy is away')),
      putWorkspace: f.edge.router.putWorkspace.bind(f.edge.router),
    };
    let router: typeof failing | typeof f.edge.router = failing;
    const periodic = new Reconciler({
      ...f.stores,
      runtime: f.runtime,
      router: {
        sync: (...args) => router.sync(...args),
        putWorkspace: (route) => router.putWorkspace(route),
      },
      turn,
      log: f.log,
      now: () => now,
    });
    await periodic.syncRoutesPeriodically();
    await periodic.syncRoutesPeriodically();
    now = 4_999;
    await periodic.syncRoutesPeriodically();
    expect(f.logs).toEqual(['route sync failed: caddy is away; backing off']);
    router = f.edge.router;
    now = 5_000;
    await periodic.syncRoutesPeriodically();
    expect(f.logs.slice(1)).toEqual([
      'routes: added 1, updated 0, removed 0, unchanged 0',
      'route sync works again (it failed with: caddy is away)',
    ]);
    expect((await get(f, '/workspace/alice/')).status).toBe(200);
  });
});
