import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestEdge, type TestEdge, type TestUser } from '../testing/edge-fixture.js';
import { type EdgeResponse, edgeRequest } from '../testing/edge-request.js';
import { startTestGate, type TestGate } from '../testing/test-gate.js';
import { type EchoUpstream, type SeenRequest, startEchoUpstream } from '../testing/upstream.js';
import { SESSION_COOKIE } from './edge-auth.js';

/*
 * Subdomain routing on the real Caddy: srv1 finds the workspace by Host under `ws.localhost`
 * (`alice.ws.localhost`, `3000--alice.ws.localhost`). Node cannot resolve *.localhost, so every
 * request goes to 127.0.0.1 with the Host header a browser would send. alice owns `alice` (port
 * 3000 private, 3001 registered with nothing listening, 3002 public); bob is another user.
 */

const DOMAIN = 'ws.localhost';
const alice: TestUser = { username: 'alice', password: 'alice-password-1' };
const bob: TestUser = { username: 'bob', password: 'bob-password-12' };

let ide: EchoUpstream;
let app: EchoUpstream;
let gate: TestGate;
let edge: TestEdge;
let port = '';

beforeAll(async () => {
  ide = await startEchoUpstream({ name: 'ide' });
  app = await startEchoUpstream({ name: 'app' });
  gate = await startTestGate({ codeServer: ide.address, ports: { 3000: app.address, 3002: app.address } });
  edge = await startTestEdge({
    users: [alice, bob],
    edge: { tls: { mode: 'off' }, access: { mode: 'all' }, workspaceDomain: DOMAIN },
    publicPorts: true,
  });
  port = new URL(edge.workspacesUrl).port;
  await edge.router.putWorkspace({
    name: 'alice',
    upstream: gate.address,
    gateSecret: gate.secret,
    owner: 'alice',
    ports: [
      { port: 3000, sharing: 'private' },
      { port: 3001, sharing: 'private' },
      { port: 3002, sharing: 'public' },
    ],
  });
});

afterAll(async () => {
  await edge?.close();
  await gate?.close();
  await ide?.close();
  await app?.close();
});

const hostOf = (label: string) => `${label}.${DOMAIN}:${port}`;
const originOf = (label: string) => `http://${hostOf(label)}`;

/** A request to srv1 for `label`'s host as `user` (none: anonymous); the raw path is sent as is. */
async function send(
  label: string,
  path: string,
  options: { user?: TestUser; method?: string; headers?: Record<string, string> } = {},
): Promise<EdgeResponse> {
  const request = () =>
    edgeRequest(`${edge.workspacesUrl}/`, {
      method: options.method ?? 'GET',
      rawPath: path,
      headers: {
        Host: hostOf(label),
        ...(options.user ? edge.authHeader(options.user) : {}),
        ...options.headers,
      },
    });
  // Right after a table write the retiring server can reset a fresh connection: send once more.
  try {
    return await request();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ECONNRESET') throw error;
    return request();
  }
}

const lastSeen = (upstream: EchoUpstream): SeenRequest | undefined => upstream.requests.at(-1);
const errorCode = (res: EdgeResponse) => (JSON.parse(res.body) as { error: { code: string } }).error.code;

/** Opens a WebSocket to `label`'s host; resolves with 101 or the refusal's status. */
function upgrade(label: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/socket`, {
      headers: { Host: hostOf(label), ...edge.authHeader(alice), ...headers },
    });
    socket.once('open', () => {
      socket.close();
      resolve({ status: 101, body: '' });
    });
    socket.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    socket.once('error', reject);
  });
}

describe('subdomain routing', () => {
  it("reaches the owner's IDE by its host, with the path as sent (nothing stripped, no prefix)", async () => {
    const res = await send('alice', '/workspace/alice/x?folder=%2Fsrc', {
      user: alice,
      headers: { 'X-Forwarded-Prefix': '/forged' },
    });
    expect(res.status).toBe(200);
    expect(res.headers['x-upstream']).toBe('ide');
    const seen = lastSeen(ide);
    expect(seen?.url).toBe('/workspace/alice/x?folder=%2Fsrc');
    expect(seen?.headers.host).toBe(hostOf('alice'));
    expect(seen?.headers['x-forwarded-prefix']).toBeUndefined();
    expect(seen?.headers.authorization).toBeUndefined();
    // The bare root is served, not redirected.
    expect((await send('alice', '/', { user: alice })).status).toBe(200);
  });

  it('reaches a registered port by its host, with the path as sent', async () => {
    const res = await send('3000--alice', '/api/items?q=1', {
      user: alice,
      headers: { Cookie: `${SESSION_COOKIE}=secret; app=kept` },
    });
    expect(res.status).toBe(200);
    expect(res.headers['x-upstream']).toBe('app');
    const seen = lastSeen(app);
    expect(seen?.url).toBe('/api/items?q=1');
    expect(seen?.headers.cookie).toBe('app=kept');
    expect(seen?.headers['x-rockpool-port']).toBeUndefined();
  });

  it("redirects the IDE host's port links (/port/{port}/...) to the port's own host, path and query kept", async () => {
    const before = ide.requests.length;
    for (const [path, location] of [
      ['/port/3000/', `${originOf('3000--alice')}/`],
      ['/port/3000', `${originOf('3000--alice')}/`],
      ['/port/3000/a%20b/c?q=1&r=%2F', `${originOf('3000--alice')}/a%20b/c?q=1&r=%2F`],
      ['/port/8080/x', `${originOf('8080--alice')}/x`],
    ] as const) {
      const res = await send('alice', path, { user: alice });
      expect({ path, status: res.status, location: res.headers.location }).toEqual({
        path,
        status: 302,
        location,
      });
    }
    // Not a port link: code-server's own paths, and ports the port hosts do not spell.
    for (const path of ['/port/', '/port/03000/', '/port/abc/', '/portal/3000/', '/x/port/3000/'])
      expect((await send('alice', path, { user: alice })).headers['x-upstream'], path).toBe('ide');
    expect(ide.requests.length).toBe(before + 5);
    // Someone who may not open the IDE gets its 404, not a redirect.
    const bobs = await send('alice', '/port/3000/', { user: bob });
    expect(bobs.status).toBe(404);
    expect(errorCode(bobs)).toBe('not_found');
  });

  it("answers another user's IDE and ports exactly as an unknown workspace", async () => {
    const ghost = await send('ghost', '/', { user: bob });
    expect(ghost.status).toBe(404);
    expect(errorCode(ghost)).toBe('not_found');
    expect(ghost.body).toContain(`{name}.${DOMAIN}`);
    const before = ide.requests.length + app.requests.length;
    for (const label of ['alice', '3000--alice', '3999--alice']) {
      const res = await send(label, '/', { user: bob });
      expect({ status: res.status, body: res.body }, label).toEqual({
        status: 404,
        body: ghost.body.replace('ghost', 'alice'),
      });
    }
    expect(ide.requests.length + app.requests.length).toBe(before);
  });

  it('answers port_not_registered to the owner, as JSON and as a page for a browser', async () => {
    const json = await send('3999--alice', '/x', { user: alice });
    expect(json.status).toBe(404);
    expect(errorCode(json)).toBe('port_not_registered');
    const page = await send('3999--alice', '/', { user: alice, headers: { Accept: 'text/html' } });
    expect(page.status).toBe(404);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('Port 3999 is not forwarded');
  });

  it('shows the app page when a registered port has nothing listening', async () => {
    const res = await send('3001--alice', '/', { user: alice });
    expect(res.status).toBe(502);
    expect(res.body).toContain('The app is not listening yet');
    await edge.router.putWorkspace({
      name: 'down',
      upstream: '127.0.0.1:1',
      gateSecret: gate.secret,
      owner: 'alice',
    });
    expect((await send('down', '/', { user: alice })).body).toContain('The workspace is not answering');
    await edge.router.removeWorkspace('down');
  });

  it('answers 404 JSON to hosts that name no workspace or port, and to path-mode URLs', async () => {
    const before = ide.requests.length + app.requests.length;
    for (const host of [
      `127.0.0.1:${port}`,
      `alice.elsewhere.localhost:${port}`,
      `a.alice.${DOMAIN}:${port}`,
      `0--alice.${DOMAIN}:${port}`,
      `03000--alice.${DOMAIN}:${port}`,
      `alice--3000.${DOMAIN}:${port}`,
      `al--ice.${DOMAIN}:${port}`,
      `ALICE.${DOMAIN}:${port}`,
      `alice.${DOMAIN}.:${port}`,
    ]) {
      const res = await edgeRequest(`${edge.workspacesUrl}/workspace/alice/`, {
        headers: { Host: host, ...edge.authHeader(alice) },
      });
      expect(res.status, host).toBe(404);
      expect(res.headers['content-type'], host).toBe('application/json');
      expect(errorCode(res), host).toBe('not_found');
    }
    expect(ide.requests.length + app.requests.length).toBe(before);
  });

  it('sends a browser on the control plane by another name to sign in at its URL, where the cookie can be set', async () => {
    const cp = new URL(edge.controlPlaneUrl);
    const res = await edgeRequest(`${edge.controlPlaneUrl}/app/`, {
      headers: { Host: `localhost:${cp.port}`, Accept: 'text/html' },
    });
    expect(res.status).toBe(302);
    const location = new URL(String(res.headers.location));
    expect(location.origin + location.pathname).toBe(`${edge.controlPlaneUrl}/auth/`);
  });

  it('sends an anonymous browser to sign in, coming back to the full workspace URL', async () => {
    const res = await send('alice', '/src/?folder=/home', { headers: { Accept: 'text/html' } });
    expect(res.status).toBe(302);
    const location = new URL(String(res.headers.location));
    expect(location.origin + location.pathname).toBe(`${edge.controlPlaneUrl}/auth/`);
    expect(location.searchParams.get('redirect_url')).toBe(`${originOf('alice')}/src/?folder=/home`);
    // Anything but a browser gets 401.
    expect((await send('3000--alice', '/')).status).toBe(401);
  });

  it('serves a public port without sign-in, never passing credentials on', async () => {
    const res = await send('3002--alice', '/page', {
      user: alice,
      headers: { Cookie: `${SESSION_COOKIE}=secret; app=kept` },
    });
    expect(res.status).toBe(200);
    const seen = lastSeen(app);
    expect(seen?.url).toBe('/page');
    expect(seen?.headers.authorization).toBeUndefined();
    expect(seen?.headers['x-rockpool-user']).toBeUndefined();
    expect(seen?.headers.cookie).toBe('app=kept');
    expect((await send('3002--alice', '/')).status).toBe(200);
    // The app's cross-origin API is its own business: the edge lends it no session.
    const crossOrigin = await send('3002--alice', '/api', {
      method: 'POST',
      headers: { Origin: originOf('bob'), 'Sec-Fetch-Site': 'same-site' },
    });
    expect(crossOrigin.status).toBe(200);
  });
});

describe('cross-origin refusal on workspace hosts', () => {
  it('refuses a state-changing request that another origin caused, to an IDE or a port', async () => {
    const before = ide.requests.length + app.requests.length;
    for (const [label, other] of [
      ['alice', '3000--alice'],
      ['3000--alice', 'alice'],
    ] as const)
      for (const headers of [
        { Origin: originOf(other) },
        { Origin: originOf('bob') },
        { Origin: `https://${hostOf(label)}` },
        { 'Sec-Fetch-Site': 'same-site' },
        { 'Sec-Fetch-Site': 'cross-site' },
      ] as Record<string, string>[]) {
        const res = await send(label, '/api', { user: alice, method: 'POST', headers });
        expect(res.status, `${label} ${JSON.stringify(headers)}`).toBe(403);
        expect(errorCode(res)).toBe('cross_origin_request');
      }
    expect(ide.requests.length + app.requests.length).toBe(before);
  });

  it('lets the same origin, and tools without browser headers, change state', async () => {
    for (const label of ['alice', '3000--alice'])
      for (const headers of [
        { Origin: originOf(label), 'Sec-Fetch-Site': 'same-origin' },
        { 'Sec-Fetch-Site': 'none' },
        {},
      ] as Record<string, string>[]) {
        const res = await send(label, '/api', { user: alice, method: 'POST', headers });
        expect(res.status, `${label} ${JSON.stringify(headers)}`).toBe(200);
      }
  });

  it('lets a top-level navigation from another origin through', async () => {
    const res = await send('alice', '/', {
      user: alice,
      headers: { 'Sec-Fetch-Site': 'same-site', Origin: originOf('bob') },
    });
    expect(res.status).toBe(200);
  });

  it('refuses a WebSocket upgrade that another origin caused, and opens a same-origin one', async () => {
    const before = ide.requests.length;
    const crossOrigin: Record<string, string>[] = [
      { Origin: originOf('3000--alice') },
      { 'Sec-Fetch-Site': 'same-site' },
    ];
    for (const headers of crossOrigin) {
      const refused = await upgrade('alice', headers);
      expect(refused.status, JSON.stringify(headers)).toBe(403);
      expect(refused.body).toContain('cross_origin_request');
    }
    expect(ide.requests.length).toBe(before);
    expect(
      (await upgrade('alice', { Origin: originOf('alice'), 'Sec-Fetch-Site': 'same-origin' })).status,
    ).toBe(101);
  });
});
