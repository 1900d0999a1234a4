import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestEdge, type TestEdge } from '../testing/edge-fixture.js';
import { TEST_GATE_SECRET } from '../testing/test-gate.js';
import { type EchoUpstream, startEchoUpstream } from '../testing/upstream.js';

let edge: TestEdge;
let upstream: EchoUpstream;
beforeAll(async () => {
  edge = await startTestEdge();
  upstream = await startEchoUpstream({ name: 'ws' });
});
afterAll(async () => {
  await upstream?.close();
  await edge?.close();
});

interface Probe {
  socket: WebSocket;
  closed: { code: number; at: number } | undefined;
  echo(message: string): Promise<string>;
}

async function openProbe(path: string, through: TestEdge = edge): Promise<Probe> {
  const url = `${through.workspacesUrl.replace('http', 'ws')}${path}`;
  const socket = new WebSocket(url, { headers: through.authHeader() });
  const probe: Probe = {
    socket,
    closed: undefined,
    echo: (message) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no echo of ${message}`)), 2000);
        socket.once('message', (data) => {
          clearTimeout(timer);
          resolve(data.toString());
        });
        socket.send(message);
      }),
  };
  socket.on('close', (code) => {
    probe.closed = { code, at: Date.now() };
  });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  return probe;
}

describe('WebSockets through srv1', () => {
  it('echo through a workspace route, and through a port route', async () => {
    await edge.router.putWorkspace({
      name: 'wsa',
      upstream: upstream.address,
      gateSecret: TEST_GATE_SECRET,
      owner: 'alice',
      ports: [{ port: 8000 }],
    });
    for (const path of ['/workspace/wsa/socket', '/workspace/wsa/port/8000/socket']) {
      const probe = await openProbe(path);
      expect(await probe.echo('hello')).toBe('hello');
      probe.socket.close();
    }
  });

  it('stay open and keep exchanging messages while 20 other routes are added and removed (default stream_close_delay)', async () => {
    const ide = await openProbe('/workspace/wsa/socket');
    const app = await openProbe('/workspace/wsa/port/8000/socket');
    for (let i = 0; i < 10; i++) {
      await edge.router.putWorkspace({
        name: `churn-${i}`,
        upstream: upstream.address,
        gateSecret: TEST_GATE_SECRET,
        owner: 'alice',
      });
      await edge.router.removeWorkspace(`churn-${i}`);
      expect(await ide.echo(`ide-${i}`)).toBe(`ide-${i}`);
      expect(await app.echo(`app-${i}`)).toBe(`app-${i}`);
    }
    await sleep(500);
    expect(ide.closed).toBeUndefined();
    expect(app.closed).toBeUndefined();
    ide.socket.close();
    app.socket.close();
  });

  it('are closed by the next route change when stream_close_delay is 0 (Caddy’s default behaviour)', async () => {
    await using nodelay = await startTestEdge({ workspaceProxy: { streamCloseDelay: 0 } });
    await nodelay.router.putWorkspace({
      name: 'nodelay',
      upstream: upstream.address,
      gateSecret: TEST_GATE_SECRET,
      owner: 'alice',
    });
    const probe = await openProbe('/workspace/nodelay/socket', nodelay);
    expect(await probe.echo('before')).toBe('before');
    const changedAt = Date.now();
    await nodelay.router.putWorkspace({
      name: 'unrelated',
      upstream: upstream.address,
      gateSecret: TEST_GATE_SECRET,
      owner: 'alice',
    });
    for (let i = 0; i < 40 && !probe.closed; i++) await sleep(50);
    expect(probe.closed).toBeDefined();
    console.info(
      `stream_close_delay 0: an unrelated route change closed the WebSocket after ${(probe.closed?.at ?? 0) - changedAt} ms with code ${probe.closed?.code}`,
    );
  });
});
