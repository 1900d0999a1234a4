import { startEchoUpstream } from '@rockpool/caddy/testing';
import { describe, expect, it } from 'vitest';
import { IdleWatch } from './idle-watch.js';
import { running, stateOf, useWorkerFixture } from './worker.fixture.js';

const f = useWorkerFixture();

describe('IdleWatch', () => {
  it('never suspends a workspace whose gate does not report activity (an older image), and says so once', async () => {
    const ws = await running(f, 'alice');
    f.stores.workspaces.setIdleTimeout(ws.id, 1);
    // A gate from before idle suspend proxies the query to code-server, which answers something else.
    const oldGate = await startEchoUpstream({ name: 'code-server' });
    f.cleanups.push(() => oldGate.close());
    let now = Date.parse('2026-11-30T12:00:00Z');
    const watch = new IdleWatch({ ...f.stores, runtime: f.runtime, log: f.log, now: () => now });
    const workspace = f.stores.workspaces.find(ws.id);
    if (!workspace) throw new Error('no alice');
    for (let check = 0; check < 3; check++) {
      await watch.check(workspace, { address: oldGate.address, secret: 'x'.repeat(43) }, 2_000);
      now += 10 * 60_000;
    }
    expect(stateOf(f, 'alice')).toBe('running');
    expect(f.stores.jobs.pending(ws.id)).toEqual([]);
    expect(f.logs).toEqual([
      'alice: idle time unknown, so no idle suspend: the gate does not report activity (it answered 200; an older guest image?)',
    ]);
  });
});
