import { type EchoUpstream, startEchoUpstream } from '@rockpool/caddy/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { JobRunner } from './job-runner.js';
import { RouteTurn } from './route-turn.js';
import { create, get, stateOf, until, useWorkerFixture } from './worker.fixture.js';

const f = useWorkerFixture();
/** Workspaces the runner reported as come up, in order. */
let cameUp: string[];
/** Stands in for the control plane's wake handler: where a sleeping workspace's routes lead. */
let wake: EchoUpstream;

beforeEach(async () => {
  cameUp = [];
  wake = await startEchoUpstream({ name: 'wake' });
  f.cleanups.push(() => wake.close());
  const runner = new JobRunner(
    {
      workerId: 'runner-under-test',
      ...f.stores,
      runtime: f.runtime,
      routes: new RouteTurn(f.edge.router).writes,
      log: f.log,
      now: Date.now,
      onRunning: (workspace) => cameUp.push(workspace.name),
      wakeUpstream: wake.address,
    },
    { leaseMs: 1_000, pollMs: 20, concurrency: 2, ideTimeoutMs: 5_000 },
  );
  let stopped = false;
  const loop = runner.run(() => stopped);
  f.cleanups.push(() => {
    stopped = true;
    return loop;
  });
});

describe('JobRunner against the real Caddy and SQLite (fake VMs)', () => {
  it('provisions: VM, IDE, route, running; then stop, start and delete', async () => {
    const { stores, runtime } = f;
    const ws = create(f, 'alice');
    await until('running', () => stateOf(f, 'alice') === 'running');
    expect(stores.workspaces.find('alice')?.phase).toBe('ready');
    expect((await get(f, '/workspace/alice/')).headers.get('x-upstream')).toBe('ide-alice');
    expect(cameUp).toEqual(['alice']);

    stores.workspaces.transition(ws.id, ['running'], { state: 'stopping', phase: 'stopping' });
    stores.jobs.enqueue(ws.id, 'stop');
    await until('stopped', () => stateOf(f, 'alice') === 'stopped');
    // A stopped workspace's IDE leads to the wake handler, with its wake token for the gate secret.
    const woken = await get(f, '/workspace/alice/');
    expect(woken.headers.get('x-upstream')).toBe('wake');
    expect(wake.requests.at(-1)?.headers['x-rockpool-gate']).toBe(stores.workspaces.wakeToken(ws.id));

    stores.workspaces.transition(ws.id, ['stopped'], { state: 'starting', phase: 'queued' });
    stores.jobs.enqueue(ws.id, 'start');
    await until('running again', () => stateOf(f, 'alice') === 'running');
    expect((await get(f, '/workspace/alice/')).status).toBe(200);
    expect(cameUp).toEqual(['alice', 'alice']);

    stores.workspaces.transition(ws.id, ['running'], { state: 'deleting', phase: 'deleting' });
    stores.jobs.enqueue(ws.id, 'delete');
    await until('deleted', () => stores.workspaces.find('alice') === undefined);
    expect(await runtime.list()).toEqual([]);
    expect((await get(f, '/workspace/alice/')).status).toBe(404);
  });

  it('suspends (route down, memory kept, disk measured) and resumes on start, with its ports', async () => {
    const { stores, runtime } = f;
    const ws = create(f, 'alice');
    await until('running', () => stateOf(f, 'alice') === 'running');
    stores.ports.add(ws.id, 3000);
    const running = stores.workspaces.find(ws.id);
    expect(running?.diskBytes).toBe(64 * 1024 ** 2);
    expect(running?.bootPath).toBe('cold'); // The fake runtime has no snapshot: a plain boot.

    stores.workspaces.transition(ws.id, ['running'], { state: 'suspending', phase: 'suspending' });
    stores.jobs.enqueue(ws.id, 'suspend');
    await until('suspended', () => stateOf(f, 'alice') === 'suspended');
    expect(await runtime.inspect('alice')).toEqual({ workspace: 'alice', state: 'suspended' });
    expect(stores.workspaces.find(ws.id)).toMatchObject({ phase: 'suspended', notice: null });
    expect(stores.workspaces.find(ws.id)?.diskBytes).toBe((64 + 512 / 8) * 1024 ** 2);
    expect((await get(f, '/workspace/alice/')).headers.get('x-upstream')).toBe('wake');
    expect((await get(f, '/workspace/alice/port/3000/')).headers.get('x-upstream')).toBe('wake');

    stores.workspaces.transition(ws.id, ['suspended'], { state: 'starting', phase: 'queued' });
    stores.jobs.enqueue(ws.id, 'start');
    await until('running again', () => stateOf(f, 'alice') === 'running');
    expect(stores.workspaces.phaseHistory(ws.id).map((h) => h.phase)).toContain('vm_resuming');
    expect(f.logs).toContain('alice: resumed from memory');
    expect(stores.workspaces.find(ws.id)?.bootPath).toBe('resumed');
    expect((await get(f, '/workspace/alice/port/3000/')).status).not.toBe(404);
    expect(stores.workspaces.find(ws.id)?.diskBytes).toBe(64 * 1024 ** 2);
  });

  it('a route the edge refuses never shows running: the workspace ends in error, saying so', async () => {
    const ws = create(f, 'doomed');
    f.stores.ports.add(ws.id, 3000);
    // The guest's gate takes a secret the route builder refuses (not base64url): no retry can help.
    f.runtime.nextGateSecret = '+'.repeat(43);
    const states = new Set<string>();
    await until('error', () => {
      states.add(stateOf(f, 'doomed') ?? 'gone');
      return stateOf(f, 'doomed') === 'error';
    });
    expect(states.has('running')).toBe(false);
    expect(f.stores.workspaces.find(ws.id)?.error).toMatch(
      /^The edge \(Caddy\) refused the route of doomed: invalid gate secret/,
    );
    expect((await get(f, '/workspace/doomed/')).status).toBe(404);
  });

  it('adds and removes port routes on a running workspace', async () => {
    const { stores } = f;
    const ws = create(f, 'alice');
    await until('running', () => stateOf(f, 'alice') === 'running');
    stores.ports.add(ws.id, 3000);
    const job = stores.jobs.enqueue(ws.id, 'add_port', { port: 3000 });
    await until('port added', () => stores.jobs.get(job.id)?.state === 'done');
    expect((await get(f, '/workspace/alice/port/3000/')).headers.get('x-upstream')).toBe('app');
    const sharing = async () =>
      (await f.edge.router.list()).find((route) => route.name === 'alice')?.ports?.[0]?.sharing;
    expect(await sharing()).toBe('private');
    // A new sharing level reaches the edge the same way (the API enqueues an add_port).
    stores.ports.setSharing(ws.id, 3000, 'authenticated');
    const shared = stores.jobs.enqueue(ws.id, 'add_port', { port: 3000 });
    await until('sharing changed', () => stores.jobs.get(shared.id)?.state === 'done');
    expect(await sharing()).toBe('authenticated');
    const removal = stores.jobs.enqueue(ws.id, 'remove_port', { port: 3000 });
    await until('port removed', () => stores.jobs.get(removal.id)?.state === 'done');
    expect((await get(f, '/workspace/alice/port/3000/')).status).toBe(404);
    expect(stores.ports.list(ws.id)).toEqual([]);
  });

  it('retries a failed start, and marks the workspace error once attempts run out', async () => {
    f.runtime.failStart = 1;
    create(f, 'flaky');
    await until('running after a retry', () => stateOf(f, 'flaky') === 'running');

    f.runtime.failStart = 99;
    create(f, 'broken');
    await until('error', () => stateOf(f, 'broken') === 'error', 15_000);
    expect(f.stores.workspaces.find('broken')?.error).toContain('QEMU could not start');
    expect((await get(f, '/workspace/broken/')).status).toBe(404);
    expect(cameUp).toEqual(['flaky']);
  });
});
