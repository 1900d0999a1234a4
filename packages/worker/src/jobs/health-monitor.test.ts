import { beforeEach, describe, expect, it } from 'vitest';
import { HealthMonitor } from './health-monitor.js';
import { get, running, stateOf, useWorkerFixture } from './worker.fixture.js';

const f = useWorkerFixture();
/** The monitor's clock, moved by hand: outages last as long as a test says, without sleeping. */
let now: number;
let monitor: HealthMonitor;

beforeEach(() => {
  now = Date.parse('2026-11-30T12:00:00Z');
  monitor = new HealthMonitor(
    { ...f.stores, runtime: f.runtime, routes: f.edge.router, log: f.log, now: () => now },
    { ideFailuresBeforeError: 3, ideUnresponsiveMs: 60_000, ideProbeTimeoutMs: 300 },
  );
});

const said = (text: string) => f.logs.filter((line) => line.includes(text));

describe('HealthMonitor against the real Caddy and SQLite (fake VMs)', () => {
  it('notices a VM that dies and shows error instead of a silent 502', async () => {
    await running(f, 'alice');
    await monitor.checkAll();
    expect(stateOf(f, 'alice')).toBe('running');
    await f.runtime.crash('alice');
    await monitor.checkAll();
    expect(stateOf(f, 'alice')).toBe('error');
    expect(f.stores.workspaces.find('alice')?.error).toBe('the VM stopped unexpectedly (it is stopped)');
    expect((await get(f, '/workspace/alice/')).status).toBe(404);
  });

  it('rides out an IDE that is slow for a moment, and shows error when it stays silent', async () => {
    await running(f, 'alice');
    const ide = f.runtime.freezeIde('alice');
    // More failed checks than ideFailuresBeforeError, over less time than ideUnresponsiveMs.
    for (let check = 0; check < 5; check++) {
      await monitor.checkAll();
      now += 10_000;
    }
    expect(ide.unanswered).toBe(5);
    expect(stateOf(f, 'alice')).toBe('running');
    expect(said('alice: code-server did not answer (no answer within 0.3 s)')).toHaveLength(1);
    ide.frozen = false;
    await monitor.checkAll();
    expect(said('alice: code-server answers again (after 5 failed checks over 50 s)')).toHaveLength(1);
    now += 600_000; // far longer than ideUnresponsiveMs: the outage that ended must not count

    f.runtime.freezeIde('alice');
    // Longer than ideUnresponsiveMs, but fewer checks than ideFailuresBeforeError.
    await monitor.checkAll();
    now += 100_000;
    await monitor.checkAll();
    expect(stateOf(f, 'alice')).toBe('running');

    now += 1_000;
    await monitor.checkAll();
    expect(stateOf(f, 'alice')).toBe('error');
    expect(f.stores.workspaces.find('alice')?.error).toBe(
      'code-server stopped answering: no answer within 0.3 s (3 checks over 101 s)',
    );
    expect((await get(f, '/workspace/alice/')).status).toBe(404);
  });

  it('starts counting anew for a workspace it was told to forget (it came up again)', async () => {
    const ws = await running(f, 'alice');
    const ide = f.runtime.freezeIde('alice');
    await monitor.checkAll();
    now += 100_000;
    await monitor.checkAll();
    monitor.forget(ws.id);
    now += 100_000;
    await monitor.checkAll();
    expect(ide.unanswered).toBe(3);
    expect(stateOf(f, 'alice')).toBe('running');
    expect(said('alice: code-server did not answer')).toHaveLength(2);
  });

  it('records whether an app answers on each forwarded port, and leaves workspaces with a job in flight alone', async () => {
    const ws = await running(f, 'alice', [3000]);
    expect(f.stores.ports.list(ws.id)[0]?.listening).toBeNull();
    await monitor.checkAll();
    expect(f.stores.ports.list(ws.id)[0]?.listening).toBe(true);
    await f.app.close();
    f.stores.jobs.enqueue(ws.id, 'stop');
    await monitor.checkAll();
    expect(f.stores.ports.list(ws.id)[0]?.listening).toBe(true);
    f.stores.jobs.cancelPending(ws.id, 'test');
    await monitor.checkAll();
    expect(f.stores.ports.list(ws.id)[0]?.listening).toBe(false);
  });

  it('suspends a workspace idle for its timeout, while requests through the edge keep another awake', async () => {
    f.gateClock = () => now;
    const start = now;
    const alice = await running(f, 'alice');
    const bob = await running(f, 'bob', [3000]);
    const carol = await running(f, 'carol');
    for (const ws of [alice, bob]) f.stores.workspaces.setIdleTimeout(ws.id, 1);
    f.stores.workspaces.setIdleTimeout(carol.id, 0);
    await monitor.checkAll();
    expect(f.stores.workspaces.find('alice')?.activeAt).toBe(new Date(start).toISOString());

    now += 50_000;
    // A request to one of its ports (fetch says Sec-Fetch-Mode: cors, which on the IDE would not count).
    expect((await get(f, '/workspace/bob/port/3000/')).status).toBe(200);
    // The worker's own checks are not activity: alice stays idle through them.
    await monitor.checkAll();
    now += 20_000;
    await monitor.checkAll();
    expect(stateOf(f, 'alice')).toBe('suspending');
    expect(f.stores.jobs.pending(alice.id).map((j) => j.kind)).toEqual(['suspend']);
    expect(said('alice: idle for 1 min (its timeout: 1 min); suspending it')).toHaveLength(1);
    // Idle 20 s since the request (70 s without it).
    expect(stateOf(f, 'bob')).toBe('running');
    expect(stateOf(f, 'carol')).toBe('running');

    now += 50_000;
    await monitor.checkAll();
    expect(stateOf(f, 'bob')).toBe('suspending');
    expect(stateOf(f, 'carol')).toBe('running');
  });
});
