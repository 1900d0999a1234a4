import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeApp, fakeCodeServer, listen, send, upgrade, websocketAccept } from './fake-upstreams.js';
import { createGate } from './gate.mjs';

const dir = mkdtempSync(join(tmpdir(), 'rockpool-gate-'));
const secretFile = join(dir, 'gate-secret');
const secret = randomBytes(32).toString('base64url');
const codeServer = fakeCodeServer();
const app = fakeApp('app');
const servers: Server[] = [codeServer.server, app.server];
let gatePort = 0;
let appPort = 0;

/** A gate in front of the fakes; `secretMaxAgeMs` as given. */
async function startGate(secretMaxAgeMs: number, file = secretFile) {
  const gate = createGate({
    secretFile: file,
    codeServer: { socketPath: join(dir, 'code-server.sock') },
    secretMaxAgeMs,
  });
  servers.push(gate);
  return listen(gate, { host: '127.0.0.1', port: 0 });
}

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  const port = await listen(probe, { host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

const pairs = (raw: string[]) => raw.flatMap((name, i) => (i % 2 === 0 ? [`${name}: ${raw[i + 1]}`] : []));
const named = (raw: string[], name: string) =>
  raw.filter((_, i) => i % 2 === 0 && raw[i]?.toLowerCase() === name).length;

beforeAll(async () => {
  writeFileSync(secretFile, `${secret}\n`, { mode: 0o600 });
  await listen(codeServer.server, { path: join(dir, 'code-server.sock') });
  appPort = await listen(app.server, { host: '127.0.0.1', port: 0 });
  gatePort = await startGate(60_000);
});

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('with the secret', () => {
  it('proxies to code-server, keeping Host and X-Forwarded-*, without the secret header', async () => {
    const answer = await send(gatePort, {
      method: 'POST',
      path: '/stable/x?y=1',
      headers: {
        host: 'alice.ws.example',
        'x-rockpool-gate': secret,
        'x-forwarded-for': '203.0.113.7',
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'alice.ws.example',
      },
      body: 'hello',
    });
    expect(answer.status).toBe(200);
    expect(answer.headers['x-upstream']).toBe('code-server');
    const seen = JSON.parse(answer.body);
    expect(seen).toMatchObject({ method: 'POST', url: '/stable/x?y=1', body: 'hello' });
    expect(pairs(seen.headers)).toEqual(
      expect.arrayContaining([
        'host: alice.ws.example',
        'x-forwarded-for: 203.0.113.7',
        'x-forwarded-proto: https',
        'x-forwarded-host: alice.ws.example',
      ]),
    );
    expect(named(seen.headers, 'x-rockpool-gate')).toBe(0);
  });

  it('proxies X-Rockpool-Port requests to that guest port, without the gate headers', async () => {
    const answer = await send(gatePort, {
      path: '/api',
      headers: {
        host: '3000--alice.ws.example',
        'x-rockpool-gate': secret,
        'x-rockpool-port': String(appPort),
      },
    });
    expect(answer.status).toBe(200);
    expect(answer.headers['x-upstream']).toBe('app');
    const seen = JSON.parse(answer.body);
    expect(seen.url).toBe('/api');
    expect(named(seen.headers, 'x-rockpool-gate') + named(seen.headers, 'x-rockpool-port')).toBe(0);
  });

  it('upgrades a WebSocket and pipes it both ways', async () => {
    const ws = await upgrade(gatePort, {
      host: 'alice.ws.example',
      origin: 'https://alice.ws.example',
      'x-rockpool-gate': secret,
    });
    if (!ws.upgraded) throw new Error(`no upgrade: ${ws.status}`);
    expect(ws.accept).toBe(websocketAccept('dGhlIHNhbXBsZSBub25jZQ=='));
    const upstreamSaw = codeServer.seen.at(-1);
    expect(upstreamSaw?.headers).toEqual(expect.arrayContaining(['Upgrade', 'websocket']));
    expect(named(upstreamSaw?.headers ?? [], 'x-rockpool-gate')).toBe(0);
    ws.socket.write('ping through the gate');
    const [echo] = await once(ws.socket, 'data');
    expect(String(echo)).toBe('ping through the gate');
    ws.socket.destroy();
  });

  it('streams server-sent events as they come, not when the response ends', async () => {
    const req = request({
      host: '127.0.0.1',
      port: gatePort,
      path: '/events',
      agent: false,
      headers: { 'x-rockpool-gate': secret },
    });
    req.end();
    const [res] = (await once(req, 'response')) as [IncomingMessage];
    expect(res.headers['content-type']).toBe('text/event-stream');
    codeServer.event('one');
    expect(String((await once(res, 'data'))[0])).toBe('data: one\n\n');
    codeServer.event('two');
    expect(String((await once(res, 'data'))[0])).toBe('data: two\n\n');
    res.destroy();
  });
});

describe('without the right secret', () => {
  const refusals: [string, Record<string, string | string[]>][] = [
    ['no secret', {}],
    ['a wrong secret', { 'x-rockpool-gate': randomBytes(32).toString('base64url') }],
    ['the secret with a suffix', { 'x-rockpool-gate': `${secret}x` }],
    ['the secret twice', { 'x-rockpool-gate': [secret, secret] }],
    ['an empty secret', { 'x-rockpool-gate': '' }],
  ];
  it.each(refusals)(
    'refuses a request with %s, naming nothing, before any upstream sees it',
    async (_, headers) => {
      const before = codeServer.seen.length + app.seen.length;
      const extras: Record<string, string>[] = [{}, { 'x-rockpool-port': String(appPort) }];
      for (const extra of extras) {
        const answer = await send(gatePort, { path: '/healthz', headers: { ...headers, ...extra } });
        expect(answer).toMatchObject({ status: 403, body: '' });
      }
      expect(codeServer.seen.length + app.seen.length).toBe(before);
    },
  );

  it('refuses a WebSocket upgrade from a DNS-rebinding page (Host and Origin of the attacker)', async () => {
    const before = codeServer.seen.length;
    const extras: Record<string, string>[] = [{}, { 'x-rockpool-gate': 'guess' }];
    for (const extra of extras) {
      const ws = await upgrade(gatePort, {
        host: `rebind.example:${gatePort}`,
        origin: `http://rebind.example:${gatePort}`,
        ...extra,
      });
      expect(ws).toEqual({ upgraded: false, status: 403, body: '' });
    }
    expect(codeServer.seen.length).toBe(before);
  });
});

describe('the secret file', () => {
  it('answers 503 to everything before the secret is installed, or when it is too short', async () => {
    const file = join(dir, 'not-yet');
    const port = await startGate(0, file);
    expect(await send(port, { headers: { 'x-rockpool-gate': secret } })).toMatchObject({
      status: 503,
      body: '',
    });
    expect(await upgrade(port, { 'x-rockpool-gate': secret })).toEqual({
      upgraded: false,
      status: 503,
      body: '',
    });
    writeFileSync(file, 'short');
    expect((await send(port, { headers: { 'x-rockpool-gate': 'short' } })).status).toBe(503);
    writeFileSync(file, secret);
    expect((await send(port, { path: '/healthz', headers: { 'x-rockpool-gate': secret } })).status).toBe(200);
  });
});

describe('activity', () => {
  it('answers the worker how long it has been idle; only requests through the edge reset it', async () => {
    let now = 0;
    const gate = createGate({
      secretFile,
      codeServer: { socketPath: join(dir, 'code-server.sock') },
      clock: () => now,
    });
    servers.push(gate);
    const port = await listen(gate, { host: '127.0.0.1', port: 0 });
    const idle = async () => {
      const answer = await send(port, { headers: { 'x-rockpool-gate': secret, 'x-rockpool-activity': '1' } });
      expect(answer.headers['content-type']).toBe('application/json');
      return (JSON.parse(answer.body) as { idleMs: number }).idleMs;
    };
    now = 90_000;
    expect(await idle()).toBe(90_000);
    // The worker's own health check (no X-Forwarded-Prefix) is not the owner using the workspace.
    await send(port, { path: '/healthz', headers: { 'x-rockpool-gate': secret } });
    expect(await idle()).toBe(90_000);
    // What VS Code's scripts fetch by themselves is not the owner either.
    await send(port, {
      headers: {
        'x-rockpool-gate': secret,
        'x-forwarded-prefix': '/workspace/a',
        'sec-fetch-mode': 'no-cors',
      },
    });
    expect(await idle()).toBe(90_000);
    await send(port, {
      headers: {
        'x-rockpool-gate': secret,
        'x-forwarded-prefix': '/workspace/a',
        'sec-fetch-mode': 'navigate',
      },
    });
    now = 100_000;
    expect(await idle()).toBe(10_000);
    // Without the secret, nobody learns anything.
    expect((await send(port, { headers: { 'x-rockpool-activity': '1' } })).status).toBe(403);
    // Through the edge the header is not a query: it goes on to code-server.
    const proxied = await send(port, {
      headers: {
        'x-rockpool-gate': secret,
        'x-forwarded-prefix': '/workspace/a',
        'x-rockpool-activity': '1',
      },
    });
    expect(proxied.headers['x-upstream']).toBe('code-server');
  });

  it('offers code-server no WebSocket compression, so the browser frames can be read', async () => {
    const ws = await upgrade(gatePort, {
      host: 'alice.ws.example',
      origin: 'https://alice.ws.example',
      'x-rockpool-gate': secret,
      'x-forwarded-prefix': '/workspace/alice',
      'sec-websocket-extensions': 'permessage-deflate; client_max_window_bits',
    });
    if (!ws.upgraded) throw new Error(`no upgrade: ${ws.status}`);
    expect(named(codeServer.seen.at(-1)?.headers ?? [], 'sec-websocket-extensions')).toBe(0);
    ws.socket.destroy();
  });
});

describe('X-Rockpool-Port', () => {
  it('answers 502 when nothing listens on the port, for requests and upgrades', async () => {
    const port = String(await closedPort());
    const answer = await send(gatePort, { headers: { 'x-rockpool-gate': secret, 'x-rockpool-port': port } });
    expect(answer).toEqual(
      expect.objectContaining({ status: 502, body: `nothing answers on guest port ${port}\n` }),
    );
    expect(answer.headers['x-rockpool-gate-error']).toBe('upstream_unreachable');
    const ws = await upgrade(gatePort, { 'x-rockpool-gate': secret, 'x-rockpool-port': port });
    expect(ws).toMatchObject({ upgraded: false, status: 502 });
  });

  it.each(['0', '65536', '80a', '-1', '08080', ''])('answers 400 naming the header for %j', async (value) => {
    const answer = await send(gatePort, { headers: { 'x-rockpool-gate': secret, 'x-rockpool-port': value } });
    expect(answer.status).toBe(400);
    expect(answer.body).toContain('x-rockpool-port must be one port number (1-65535)');
  });

  it('goes where guestPort maps the port (how tests on the host stand in for a guest)', async () => {
    const gate = createGate({
      secretFile,
      codeServer: { socketPath: join(dir, 'code-server.sock') },
      guestPort: (port) => ({ host: '127.0.0.1', port: port === 3000 ? appPort : port }),
    });
    servers.push(gate);
    const mapped = await listen(gate, { host: '127.0.0.1', port: 0 });
    const answer = await send(mapped, { headers: { 'x-rockpool-gate': secret, 'x-rockpool-port': '3000' } });
    expect(answer.headers['x-upstream']).toBe('app');
  });

  it('answers 400 when the header comes twice', async () => {
    const headers = { 'x-rockpool-gate': secret, 'x-rockpool-port': [String(appPort), String(appPort)] };
    expect((await send(gatePort, { headers })).status).toBe(400);
  });
});

describe('overhead', () => {
  it('adds one loopback hop per request (measured and printed, not asserted)', async () => {
    const rounds = 200;
    const time = async (port: number, headers: Record<string, string>) => {
      const started = process.hrtime.bigint();
      for (let i = 0; i < rounds; i++) expect((await send(port, { path: '/x', headers })).status).toBe(200);
      return Number(process.hrtime.bigint() - started) / 1e6 / rounds;
    };
    const direct = await time(appPort, {});
    const gated = await time(gatePort, { 'x-rockpool-gate': secret, 'x-rockpool-port': String(appPort) });
    console.info(
      `gate overhead: ${direct.toFixed(3)} ms direct, ${gated.toFixed(3)} ms through the gate ` +
        `(${rounds} sequential requests, a new connection each)`,
    );
  });
});
