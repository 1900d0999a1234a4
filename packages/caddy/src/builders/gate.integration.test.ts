import { readFile, rm } from 'node:fs/promises';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestEdge, type TestEdge } from '../testing/edge-fixture.js';
import { edgeRequest } from '../testing/edge-request.js';
import { startTestGate, type TestGate } from '../testing/test-gate.js';
import { type EchoUpstream, startEchoUpstream } from '../testing/upstream.js';

/*
 * Edge → the guest's real gate (packages/guest) → code-server or an app, as in a workspace VM:
 * the edge opens the gate with the workspace's secret and names the port; a client can do neither.
 * Guest ports: 3000 an echo app, 3502 an app that answers 502 itself, 3001 nothing.
 */
let edge: TestEdge;
let ide: EchoUpstream;
let app: EchoUpstream;
let failingApp: HttpServer;
let gate: TestGate;
let logSink: Server;
const logLines: string[] = [];

beforeAll(async () => {
  const socket = join(tmpdir(), `rockpool-gate-log-${process.pid}.sock`);
  await rm(socket, { force: true });
  logSink = createServer((connection) => {
    let buffer = '';
    connection.on('data', (chunk) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      logLines.push(...lines);
    });
  });
  await new Promise<void>((resolve) => logSink.listen(socket, resolve));
  edge = await startTestEdge({ accessLogSocket: socket });
  ide = await startEchoUpstream({ name: 'ide' });
  app = await startEchoUpstream({ name: 'app' });
  failingApp = createHttpServer((_req, res) => {
    res.writeHead(502, { 'Content-Type': 'text/plain' });
    res.end('the app itself says bad gateway');
  });
  await new Promise<void>((resolve) => failingApp.listen(0, '127.0.0.1', resolve));
  const failing = failingApp.address() as AddressInfo;
  gate = await startTestGate({
    codeServer: ide.address,
    ports: { 3000: app.address, 3502: `127.0.0.1:${failing.port}` },
  });
  await edge.router.putWorkspace({
    name: 'w',
    upstream: gate.address,
    gateSecret: gate.secret,
    owner: 'alice',
    ports: [{ port: 3000 }, { port: 3001 }, { port: 3502 }],
  });
});

afterAll(async () => {
  await edge?.close();
  await gate?.close();
  await Promise.all([ide?.close(), app?.close()]);
  failingApp?.closeAllConnections();
  failingApp?.close();
  logSink?.close();
});

const get = (path: string, headers: Record<string, string> = {}) =>
  edgeRequest(`${edge.workspacesUrl}${path}`, { headers: { ...edge.authHeader(), ...headers } });

const seenBy = (body: string) => JSON.parse(body) as { url: string; headers: Record<string, string> };

describe('the edge in front of the gate', () => {
  it('is the only way in: the gate itself refuses a request without the secret', async () => {
    expect((await edgeRequest(`http://${gate.address}/`)).status).toBe(403);
    const wrong = await edgeRequest(`http://${gate.address}/`, {
      headers: { 'X-Rockpool-Gate': 'x'.repeat(43) },
    });
    expect(wrong.status).toBe(403);
  });

  it('reaches code-server, replacing a client-sent secret and dropping a client-sent port', async () => {
    const res = await get('/workspace/w/some/file', {
      'X-Rockpool-Gate': 'forged',
      'X-Rockpool-Port': '3000',
    });
    expect(res.status).toBe(200);
    expect(res.headers['x-upstream']).toBe('ide');
    const seen = seenBy(res.body);
    expect(seen.url).toBe('/some/file');
    // The gate strips both headers: the upstream never learns the secret.
    expect(seen.headers['x-rockpool-gate']).toBeUndefined();
    expect(seen.headers['x-rockpool-port']).toBeUndefined();
    expect(seen.headers['x-forwarded-prefix']).toBe('/workspace/w');
  });

  it('reaches a registered port, whatever port a client names in the header', async () => {
    const res = await get('/workspace/w/port/3000/api?x=1', { 'X-Rockpool-Port': '3502' });
    expect(res.status).toBe(200);
    expect(res.headers['x-upstream']).toBe('app');
    expect(seenBy(res.body).url).toBe('/api?x=1');
    expect(seenBy(res.body).headers['x-rockpool-port']).toBeUndefined();
  });

  it('never reaches an unregistered port, even with the header', async () => {
    const res = await get('/workspace/w/port/4000/', { 'X-Rockpool-Port': '3000' });
    expect(res.status).toBe(404);
    expect(res.body).toContain('port_not_registered');
  });

  it('shows the "not listening yet" page for the gate’s 502, and passes an app’s own 502 through', async () => {
    const silent = await get('/workspace/w/port/3001/');
    expect(silent.status).toBe(502);
    expect(silent.headers['content-type']).toContain('text/html');
    expect(silent.body).toContain('The app is not listening yet');
    const own = await get('/workspace/w/port/3502/');
    expect(own.status).toBe(502);
    expect(own.body).toBe('the app itself says bad gateway');
  });

  it('carries WebSockets to code-server and to a port', async () => {
    for (const path of ['/workspace/w/socket', '/workspace/w/port/3000/socket']) {
      const socket = new WebSocket(`${edge.workspacesUrl.replace('http', 'ws')}${path}`, {
        headers: { ...edge.authHeader(), 'X-Rockpool-Gate': 'forged' },
      });
      await new Promise((resolve, reject) => {
        socket.once('open', resolve);
        socket.once('error', reject);
      });
      const echoed = new Promise<string>((resolve) =>
        socket.once('message', (data) => resolve(String(data))),
      );
      socket.send(`hello ${path}`);
      expect(await echoed).toBe(`hello ${path}`);
      socket.close();
    }
  });

  it('streams server-sent events through the gate as the app writes them', async () => {
    let finish: (() => void) | undefined;
    const events = createHttpServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      res.write('data: first\n\n');
      finish = () => res.end('data: last\n\n');
    });
    await new Promise<void>((resolve) => events.listen(0, '127.0.0.1', resolve));
    const port = (events.address() as AddressInfo).port;
    await using eventsGate = await startTestGate({
      codeServer: ide.address,
      ports: { 8000: `127.0.0.1:${port}` },
    });
    try {
      await edge.router.putWorkspace({
        name: 'events',
        upstream: eventsGate.address,
        gateSecret: eventsGate.secret,
        owner: 'alice',
        ports: [{ port: 8000 }],
      });
      const res = await fetch(`${edge.workspacesUrl}/workspace/events/port/8000/stream`, {
        headers: { ...edge.authHeader(), Connection: 'close' },
      });
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: first\n\n');
      finish?.();
      let rest = '';
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read())
        rest += new TextDecoder().decode(chunk.value);
      expect(rest).toBe('data: last\n\n');
    } finally {
      await edge.router.removeWorkspace('events');
      events.closeAllConnections();
      events.close();
    }
  });

  it('never writes the secret into an access log or Caddy’s own log', async () => {
    await get('/workspace/w/logged-request');
    await get('/workspace/w/port/3001/');
    for (let i = 0; i < 50 && !logLines.some((line) => line.includes('/workspace/w/logged-request')); i++)
      await sleep(100);
    expect(logLines.some((line) => line.includes('/workspace/w/logged-request'))).toBe(true);
    expect(logLines.filter((line) => line.includes(gate.secret))).toEqual([]);
    expect(await readFile(edge.caddy.logFile, 'utf8')).not.toContain(gate.secret);
  });
});
