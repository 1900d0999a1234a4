import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WebSocket } from '@playwright/test';
import { expect, probeRetries, type Stack, test } from '../fixtures.js';

/**
 * WebSockets through Caddy while routes change and time passes: VS Code's own connections, and an
 * app's WebSocket on a forwarded port, both in the real browser. Every other route change reloads
 * Caddy's whole config; with the default stream_close_delay a reload closes every proxied WebSocket
 * (README, "WebSockets and route changes"), so this is the test of that design choice.
 *
 * E2E_WS_MINUTES sets the sustained period (default 3); at least E2E_WS_ROUTE_CYCLES (default 50)
 * other routes are added and removed through the API meanwhile, each change confirmed at the edge.
 */
const minutes = Number(process.env.E2E_WS_MINUTES ?? 3);
const minCycles = Number(process.env.E2E_WS_ROUTE_CYCLES ?? 50);
const APP_PORT = 3001;

/** The app inside the VM: a page that talks to its own WebSocket echo server (code-server's `ws`). */
const appSource = `
const http = require('http');
const { WebSocketServer } = require('/opt/code-server/node_modules/ws');
const page = \`<!doctype html><title>ws app</title><body><script>
  const stats = window.stats = { sent: 0, received: 0, closes: [], errors: 0, rtts: [], open: false };
  const url = location.href.replace(/^http/, 'ws');
  const ws = new WebSocket(url);
  ws.onopen = () => {
    stats.open = true;
    setInterval(() => { if (ws.readyState === 1) { ws.send(String(performance.now())); stats.sent++; } }, 250);
  };
  ws.onmessage = (e) => { stats.received++; stats.rtts.push(performance.now() - Number(e.data)); };
  ws.onerror = () => { stats.errors++; };
  ws.onclose = (e) => { stats.open = false; stats.closes.push({ code: e.code, at: Date.now() }); };
</script></body>\`;
const server = http.createServer((q, s) => { s.setHeader('Content-Type', 'text/html'); s.end(page); });
new WebSocketServer({ server }).on('connection', (ws) => ws.on('message', (m) => ws.send(String(m))));
server.listen(${APP_PORT});
`;

interface AppStats {
  sent: number;
  received: number;
  closes: { code: number; at: number }[];
  errors: number;
  rtts: number[];
  open: boolean;
}

interface IdeSocket {
  url: string;
  openedAt: number;
  closedAt?: number;
  framesReceived: number;
  framesSent: number;
}

/**
 * Waits until `url` answers `status` through the edge. When it never does, the error carries the
 * workspace's record: a workspace the worker turned to error explains a missing route.
 */
async function edgeAnswers(stack: Stack, workspace: string, url: string, status: number): Promise<void> {
  try {
    await expect.poll(async () => (await stack.workspaceGet(url)).status, { timeout: 30_000 }).toBe(status);
  } catch (error) {
    const record = await stack.api('GET', `/api/workspaces/${workspace}`);
    throw new Error(
      `${url} did not answer ${status} within 30 s; the workspace is ${JSON.stringify(record.body)}\n${(error as Error).message}`,
    );
  }
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

test('code-server and app WebSockets stay open through route churn and time', async ({
  context,
  stack,
  workspace,
}, testInfo) => {
  test.setTimeout((minutes * 60 + 600) * 1000);
  const ide = await context.newPage();
  const app = await context.newPage();
  const ideSockets: IdeSocket[] = [];
  // VS Code closes a remote socket itself when the server sent nothing for its keepalive time (20 s),
  // then reconnects: under TCG a busy guest's extension host can stall that long. Such a close is the
  // client's, not the edge's; VS Code logs it, and each log line's time is kept to tell them apart.
  const keepAliveTimeouts: number[] = [];
  ide.on('console', (message) => {
    if (message.text().includes('received socket timeout event (reason: keepAlive'))
      keepAliveTimeouts.push(Date.now());
  });
  ide.on('websocket', (socket: WebSocket) => {
    const record: IdeSocket = { url: socket.url(), openedAt: Date.now(), framesReceived: 0, framesSent: 0 };
    ideSockets.push(record);
    socket.on('framereceived', () => record.framesReceived++);
    socket.on('framesent', () => record.framesSent++);
    socket.on('close', () => {
      record.closedAt = Date.now();
    });
  });

  try {
    await test.step('VS Code and the app are connected', async () => {
      expect((await stack.api('POST', `/api/workspaces/${workspace}/ports`, { port: APP_PORT })).status).toBe(
        201,
      );
      const started = await stack.exec(
        workspace,
        `cat > /tmp/ws-app.js <<'JS'\n${appSource}\nJS\nsetsid node /tmp/ws-app.js >/tmp/ws-app.log 2>&1 & echo $! > /tmp/ws-app.pid`,
      );
      expect(started.exitCode).toBe(0);
      await expect
        .poll(async () => (await stack.workspaceGet(stack.portUrl(workspace, APP_PORT))).status, {
          timeout: 30_000,
        })
        .toBe(200);
      await app.goto(stack.portUrl(workspace, APP_PORT));
      await expect
        .poll(() => app.evaluate(() => (window as unknown as { stats: AppStats }).stats.received))
        .toBeGreaterThan(0);

      await ide.goto(stack.ideUrl(workspace));
      await expect(ide.locator('.monaco-workbench')).toBeVisible({ timeout: 120_000 });
      // The workbench is up once its remote connections are; let them settle before counting.
      await expect
        .poll(() => ideSockets.filter((s) => !s.closedAt).length, { timeout: 60_000 })
        .toBeGreaterThan(0);
      await sleep(5_000);
    });

    const baseline = ideSockets.filter((s) => !s.closedAt);
    const closedBeforeChurn = ideSockets.filter((s) => s.closedAt).length;
    const start = Date.now();
    const end = start + minutes * 60_000;
    let cycles = 0;
    const samples: { minute: number; ideFrames: number; appReceived: number }[] = [];

    await test.step(`${minCycles}+ other routes added and removed over ${minutes} minutes`, async () => {
      let nextSample = start + 60_000;
      while (cycles < minCycles || Date.now() < end) {
        const port = 4000 + (cycles % 500);
        const url = stack.portUrl(workspace, port);
        expect((await stack.api('POST', `/api/workspaces/${workspace}/ports`, { port })).status).toBe(201);
        // The route is in Caddy when its port answers 502 (registered) rather than 404.
        await edgeAnswers(stack, workspace, url, 502);
        expect((await stack.api('DELETE', `/api/workspaces/${workspace}/ports/${port}`)).status).toBe(204);
        await edgeAnswers(stack, workspace, url, 404);
        cycles++;
        if (Date.now() >= nextSample) {
          nextSample += 60_000;
          samples.push({
            minute: samples.length + 1,
            ideFrames: baseline.reduce((n, s) => n + s.framesReceived, 0),
            appReceived: (await app.evaluate(() => (window as unknown as { stats: AppStats }).stats))
              .received,
          });
        }
        // Spread the changes over the period rather than bunching them at its start.
        const remaining = end - Date.now();
        if (remaining > 0 && cycles >= minCycles / 2) await sleep(Math.min(2_000, remaining));
      }
    });

    // Messages still flow at the end: the sockets are alive, not just unclosed.
    const ideFramesBefore = baseline.reduce((n, s) => n + s.framesReceived, 0);
    const appBefore = (await app.evaluate(() => (window as unknown as { stats: AppStats }).stats)).received;
    await sleep(15_000);
    const stats = await app.evaluate(() => (window as unknown as { stats: AppStats }).stats);
    const ideFramesAfter = baseline.reduce((n, s) => n + s.framesReceived, 0);

    // A close within 90 s of VS Code logging its own keepalive timeout is that timeout (the browser
    // reports a client-initiated close only once the stalled server answers the closing handshake, or
    // it times out); any other close of a baseline socket is a drop.
    const closedByKeepAlive = ({ closedAt }: IdeSocket) =>
      closedAt !== undefined && keepAliveTimeouts.some((t) => Math.abs(closedAt - t) < 90_000);
    const ideDrops = baseline.filter((s) => s.closedAt && !closedByKeepAlive(s)).length;
    const keepAliveReconnects = baseline.filter(closedByKeepAlive).length;
    const appDrops = stats.closes.length;
    const report = {
      minutes: (Date.now() - start) / 60_000,
      routeChanges: cycles * 2,
      // Edge probes (plain GETs, not WebSockets) whose connection a reload closed before any answer.
      probeRetries: probeRetries.count,
      drops: { total: ideDrops + appDrops, codeServer: ideDrops, app: appDrops },
      codeServer: {
        sockets: baseline.length,
        closedBeforeChurn,
        // Closed by VS Code's own keepalive timeout (and reconnected by it), not by the edge.
        keepAliveReconnects,
        framesReceived: ideFramesAfter,
        framesReceivedInLast15s: ideFramesAfter - ideFramesBefore,
        urls: baseline.map((s) => s.url.replace(/reconnectionToken=[^&]+/, 'reconnectionToken=…')),
      },
      app: {
        sent: stats.sent,
        received: stats.received,
        receivedInLast15s: stats.received - appBefore,
        errors: stats.errors,
        echoMs: {
          p50: percentile(stats.rtts, 50),
          p99: percentile(stats.rtts, 99),
          max: Math.max(...stats.rtts),
        },
      },
      perMinute: samples,
    };
    const file = join(import.meta.dirname, '..', 'test-results', 'websocket-longevity.json');
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    await testInfo.attach('websocket-longevity.json', { path: file, contentType: 'application/json' });
    console.log(
      `WebSocket drops: ${report.drops.total} (code-server ${ideDrops} of ${baseline.length}, app ${appDrops}) ` +
        `over ${report.minutes.toFixed(1)} min and ${report.routeChanges} route changes; ` +
        `app echo p50 ${report.app.echoMs.p50.toFixed(1)} ms, p99 ${report.app.echoMs.p99.toFixed(1)} ms`,
    );

    expect(report.drops).toEqual({ total: 0, codeServer: 0, app: 0 });
    expect(cycles).toBeGreaterThanOrEqual(minCycles);
    expect(report.codeServer.framesReceivedInLast15s).toBeGreaterThan(0);
    expect(report.app.receivedInLast15s).toBeGreaterThan(0);
    expect(stats.errors).toBe(0);
    // Every message sent came back (one may be in flight).
    expect(stats.sent - stats.received).toBeLessThanOrEqual(1);
  } finally {
    await ide.close();
    await app.close();
    await stack.exec(workspace, 'kill $(cat /tmp/ws-app.pid) 2>/dev/null');
    await stack.api('DELETE', `/api/workspaces/${workspace}/ports/${APP_PORT}`);
  }
});
