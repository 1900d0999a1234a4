import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { writeEdgeAdmins } from '../admin/edge-admins.js';
import { startTestEdge, type TestEdge, type TestUser } from '../testing/edge-fixture.js';
import { type EdgeResponse, edgeRequest } from '../testing/edge-request.js';
import { type LogSocket, startLogSocket } from '../testing/log-socket.js';
import { startTestGate, type TestGate } from '../testing/test-gate.js';
import { type EchoUpstream, type SeenRequest, startEchoUpstream } from '../testing/upstream.js';
import { SESSION_COOKIE } from './edge-auth.js';
import { ADMIN_ACCESS_LOG_FIELD } from './workspace-route.js';

/*
 * Ownership and port sharing at the edge, on the real Caddy with basic auth: alice owns workspace
 * `alice` (ports 3000 private, 3001 authenticated, 3002 public), bob is another member, root an
 * admin. `closed` has the defaults (no admin access to IDEs, no public ports); `open` has both on.
 */

const alice: TestUser = { username: 'alice', password: 'alice-password-1' };
const bob: TestUser = { username: 'bob', password: 'bob-password-12' };
const root: TestUser = { username: 'root', password: 'root-password-1' };

let ide: EchoUpstream;
let app: EchoUpstream;
let gate: TestGate;
let logs: LogSocket;
let closed: TestEdge;
let open: TestEdge;

async function startEdge(options: Parameters<typeof startTestEdge>[0]): Promise<TestEdge> {
  const edge = await startTestEdge({ users: [alice, bob, root], ...options });
  await edge.router.putWorkspace({
    name: 'alice',
    upstream: gate.address,
    gateSecret: gate.secret,
    owner: 'alice',
    ports: [
      { port: 3000, sharing: 'private' },
      { port: 3001, sharing: 'authenticated' },
      { port: 3002, sharing: 'public' },
    ],
  });
  await writeEdgeAdmins(edge.caddy.admin, ['root']);
  return edge;
}

beforeAll(async () => {
  ide = await startEchoUpstream({ name: 'ide' });
  app = await startEchoUpstream({ name: 'app' });
  gate = await startTestGate({ codeServer: ide.address, otherPorts: app.address });
  logs = await startLogSocket();
  closed = await startEdge({});
  open = await startEdge({ adminIdeAccess: true, publicPorts: true, accessLogSocket: logs.path });
});

afterAll(async () => {
  await closed?.close();
  await open?.close();
  await gate?.close();
  await ide?.close();
  await app?.close();
  await logs?.close();
});

/**
 * A GET as `user` (none: anonymous) on a connection of its own. Right after a table write the
 * retiring server can reset a fresh connection (README, known issues): a GET is sent once more.
 */
async function get(
  edge: TestEdge,
  path: string,
  user?: TestUser,
  headers: Record<string, string> = {},
): Promise<EdgeResponse> {
  const send = () =>
    edgeRequest(`${edge.workspacesUrl}${path}`, {
      headers: { ...(user ? edge.authHeader(user) : {}), ...headers },
    });
  try {
    return await send();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ECONNRESET') throw error;
    return send();
  }
}

const lastSeen = (upstream: EchoUpstream): SeenRequest | undefined => upstream.requests.at(-1);

/** What an unknown workspace answers, with its name in place of `ghost`'s. */
async function unknownAs(edge: TestEdge, name: string, user: TestUser) {
  const ghost = await get(edge, '/workspace/ghost/', user);
  return {
    status: ghost.status,
    type: ghost.headers['content-type'],
    body: ghost.body.replace('ghost', name),
  };
}

const answer = (res: EdgeResponse) => ({
  status: res.status,
  type: res.headers['content-type'],
  body: res.body,
});

describe('ownership at the edge (basic auth)', () => {
  it('lets the owner into her IDE and her private port', async () => {
    for (const edge of [closed, open]) {
      const res = await get(edge, '/workspace/alice/', alice);
      expect(res.status).toBe(200);
      expect(res.headers['x-upstream']).toBe('ide');
      expect((await get(edge, '/workspace/alice/port/3000/', alice)).headers['x-upstream']).toBe('app');
    }
  });

  it('answers another user exactly as for an unknown workspace: her IDE, its bare path, her private port', async () => {
    const before = ide.requests.length + app.requests.length;
    const unknown = await unknownAs(closed, 'alice', bob);
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body)).toMatchObject({ error: { code: 'not_found' } });
    for (const path of [
      '/workspace/alice/',
      '/workspace/alice',
      '/workspace/alice/port/3000/',
      '/workspace/alice/x?y=1',
    ])
      expect(answer(await get(closed, path, bob)), path).toEqual(unknown);
    expect(ide.requests.length + app.requests.length).toBe(before);
  });

  it('does not tell another user whether a port is registered', async () => {
    const unknown = await unknownAs(closed, 'alice', bob);
    expect(answer(await get(closed, '/workspace/alice/port/3999/', bob))).toEqual(unknown);
    const own = await get(closed, '/workspace/alice/port/3999/', alice);
    expect(JSON.parse(own.body)).toMatchObject({ error: { code: 'port_not_registered' } });
  });

  it("refuses another user's WebSocket upgrade to her IDE with the same 404, before any upstream", async () => {
    const before = ide.requests.length;
    const url = `${closed.workspacesUrl.replace('http', 'ws')}/workspace/alice/socket`;
    const refused = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const socket = new WebSocket(url, { headers: closed.authHeader(bob) });
      socket.once('open', () => reject(new Error('bob opened a WebSocket to alice’s IDE')));
      socket.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      socket.once('error', reject);
    });
    expect(refused).toEqual({ status: 404, body: (await unknownAs(closed, 'alice', bob)).body });
    expect(ide.requests.length).toBe(before);
    // The owner's upgrade goes through.
    const owned = new WebSocket(url, { headers: closed.authHeader(alice) });
    await new Promise((resolve, reject) => {
      owned.once('open', resolve);
      owned.once('error', reject);
    });
    owned.close();
  });

  it('lets any signed-in user reach an `authenticated` port, and nobody anonymous', async () => {
    const res = await get(closed, '/workspace/alice/port/3001/', bob);
    expect(res.status).toBe(200);
    expect(res.headers['x-upstream']).toBe('app');
    expect((await get(closed, '/workspace/alice/port/3001/')).status).toBe(401);
  });

  it('asks a sign-in for a `public` port while public ports are not allowed', async () => {
    expect((await get(closed, '/workspace/alice/port/3002/')).status).toBe(401);
    expect((await get(closed, '/workspace/alice/port/3002/', bob)).status).toBe(200);
  });

  it('serves a `public` port without credentials where allowed, never passing them on', async () => {
    const anonymous = await get(open, '/workspace/alice/port/3002/');
    expect(anonymous.status).toBe(200);
    expect(anonymous.headers['x-upstream']).toBe('app');
    const res = await get(open, '/workspace/alice/port/3002/page', alice, {
      Cookie: `${SESSION_COOKIE}=secret-session; app=kept`,
    });
    expect(res.status).toBe(200);
    const seen = lastSeen(app);
    expect(seen?.url).toBe('/page');
    expect(seen?.headers.authorization).toBeUndefined();
    expect(seen?.headers['x-rockpool-user']).toBeUndefined();
    expect(seen?.headers.cookie).toBe('app=kept');
    // The IDE and the other ports of the same workspace still ask who it is.
    for (const path of ['/workspace/alice/', '/workspace/alice/port/3000/', '/workspace/alice/port/3001/'])
      expect((await get(open, path)).status, path).toBe(401);
  });

  it("keeps an admin out of another user's IDE by default", async () => {
    expect(answer(await get(closed, '/workspace/alice/', root))).toEqual(
      await unknownAs(closed, 'alice', root),
    );
  });

  it("lets an admin into another user's IDE where allowed, and logs each such request", async () => {
    const res = await get(open, '/workspace/alice/?admin-visit=1', root);
    expect(res.status).toBe(200);
    expect(res.headers['x-upstream']).toBe('ide');
    const entry = await logs.find(
      (e) => (e.request as { uri?: string })?.uri === '/workspace/alice/?admin-visit=1',
    );
    expect(entry).toMatchObject({ user_id: 'root', [ADMIN_ACCESS_LOG_FIELD]: 'alice', status: 200 });
    // Not her private port, and no mark on the owner's own requests.
    expect((await get(open, '/workspace/alice/port/3000/', root)).status).toBe(404);
    await get(open, '/workspace/alice/?owner-visit=1', alice);
    const own = await logs.find(
      (e) => (e.request as { uri?: string })?.uri === '/workspace/alice/?owner-visit=1',
    );
    expect(own[ADMIN_ACCESS_LOG_FIELD]).toBeUndefined();
  });

  it('answers a member as before where admin access is allowed', async () => {
    expect(answer(await get(open, '/workspace/alice/', bob))).toEqual(await unknownAs(open, 'alice', bob));
  });

  it('gives the same bytes once the workspace is really gone', async () => {
    const refused = answer(await get(closed, '/workspace/alice/', bob));
    await closed.router.removeWorkspace('alice');
    expect(answer(await get(closed, '/workspace/alice/', bob))).toEqual(refused);
  });
});
