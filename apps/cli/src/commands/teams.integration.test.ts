/**
 * Users, roles and ownership on a whole stack started by `rockpool up` (the xcaddy-built Caddy, the
 * server and the worker with the fake tart): the `rockpool user` commands and the dashboard's API
 * change the running edge at once, and members see only their own workspaces.
 */
import { Readable, Writable } from 'node:stream';
import { type MapHandler, ROLE_TABLE_ID, WorkspaceRouter } from '@rockpool/caddy';
import {
  type EchoUpstream,
  signInCookie,
  startEchoUpstream,
  startTestGate,
  type TestGate,
} from '@rockpool/caddy/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { runCli } from '../cli.js';
import { adminClientFor } from './reconfigure.js';
import { startTestStack, type TestStack } from './stack.fixture.js';
import type { RunningStack } from './up.js';

const ADMIN_PASSWORD = 'teams-admin-password';

let running: TestStack | undefined;
let dataDir: string;
let cp: string;
let ws: string;
let stack: RunningStack | undefined;
let upstream: EchoUpstream | undefined;
/** The guest's gate in front of `upstream`, as a workspace route needs. */
let gate: TestGate | undefined;

beforeAll(async () => {
  running = await startTestStack({
    name: 'teams',
    shellEnv: { CADDY_PASSWORD: ADMIN_PASSWORD },
    // bob tries every write route on alice's workspace and on an unknown one: more than 10 a minute.
    settingsEnv: { ROCKPOOL_RATE_LIMITS: JSON.stringify({ apiWrite: [{ window: '1m', maxEvents: 1000 }] }) },
  });
  ({ dataDir, cp, ws, stack } = running);
  upstream = await startEchoUpstream({ name: 'app' });
  gate = await startTestGate({ codeServer: upstream.address });
});

afterAll(async () => {
  await running?.stop();
  await gate?.close();
  await upstream?.close();
});

const basic = (user: string, password: string) => ({
  Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
});
const PASSWORDS: Record<string, string> = {
  admin: ADMIN_PASSWORD,
  alice: 'alice-password-1',
  bob: 'bob-password-22',
  carol: 'carol-password-3',
};
/**
 * fetch on a connection of its own. Right after a config change the retiring server can still
 * reset a fresh connection before reading it (see the README's known issues): sent once more.
 */
async function send(url: string, init: RequestInit): Promise<Response> {
  const request = () => fetch(url, { ...init, headers: { ...init.headers, Connection: 'close' } });
  try {
    return await request();
  } catch (error) {
    // A reset, or a close before any byte of the answer (undici's UND_ERR_SOCKET, 'other side closed').
    const code = (error as { cause?: { code?: string } }).cause?.code;
    if (code !== 'ECONNRESET' && code !== 'UND_ERR_SOCKET') throw error;
    return request();
  }
}

/** `GET /api/me` as `user` with `password`: its status. */
async function meStatus(user: string, password: string): Promise<number> {
  const res = await send(`${cp}/api/me`, { headers: basic(user, password) });
  await res.arrayBuffer();
  return res.status;
}

async function api(user: string, method: string, path: string, body?: unknown) {
  const res = await send(`${cp}${path}`, {
    method,
    headers: { ...basic(user, PASSWORDS[user] ?? ''), 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

/** `rockpool user ARGS` with `stdin` as its input; its output and exit status. */
async function rockpoolUser(args: string[], stdin = ''): Promise<{ code: number; output: string }> {
  let output = '';
  const code = await runCli(['user', ...args], {
    env: { ROCKPOOL_DATA_DIR: dataDir },
    input: Readable.from([stdin]),
    output: new Writable({
      write(chunk: Buffer, _encoding, done) {
        output += chunk.toString();
        done();
      },
    }),
  });
  return { code, output };
}

describe('users and roles on a running stack', () => {
  it("the first user is today's admin, an admin", async () => {
    expect(await api('admin', 'GET', '/api/me')).toEqual({
      status: 200,
      body: { user: 'admin', role: 'admin' },
    });
    const listed = await rockpoolUser(['list', '--json']);
    expect(JSON.parse(listed.output)).toEqual([
      { name: 'admin', role: 'admin', createdAt: expect.any(String) },
    ]);
  });
  it('the edge knows its admins from the start (for admin IDE access), and follows rockpool user', async () => {
    const admins = async () =>
      ((await adminClientFor(dataDir).getById<MapHandler>(ROLE_TABLE_ID))?.value.mappings ?? []).map(
        (entry) => entry.input,
      );
    expect(await admins()).toEqual(['admin']);
    expect((await rockpoolUser(['add', 'root', '--admin', '--password-stdin'], 'root-password-1')).code).toBe(
      0,
    );
    expect(await admins()).toEqual(['admin', 'root']);
    expect((await rockpoolUser(['remove', 'root'])).code).toBe(0);
    expect(await admins()).toEqual(['admin']);
  });

  it('rockpool user add: the new password works at once, through the edge', async () => {
    expect((await api('alice', 'GET', '/api/me')).status).toBe(401);
    const added = await rockpoolUser(['add', 'alice', '--password-stdin'], `${PASSWORDS.alice}\n`);
    expect(added).toEqual({ code: 0, output: 'Added alice (member).\nApplied to the running edge.\n' });
    expect(await api('alice', 'GET', '/api/me')).toEqual({
      status: 200,
      body: { user: 'alice', role: 'member' },
    });
    expect((await rockpoolUser(['add', 'bob', '--password-stdin'], PASSWORDS.bob)).code).toBe(0);
    const generated = await rockpoolUser(['add', 'gen', '--admin']);
    const password = /Password \(shown this once\): (\S+)/.exec(generated.output)?.[1] ?? '';
    const res = await send(`${cp}/api/me`, { headers: basic('gen', password) });
    expect(await res.json()).toEqual({ user: 'gen', role: 'admin' });
    await expect(rockpoolUser(['add', 'alice', '--password-stdin'], 'another-password')).rejects.toThrow(
      /already exists/,
    );
    await expect(
      rockpoolUser(['add', 'github.com/x', '--password-stdin'], 'another-password'),
    ).rejects.toThrow(/invalid user name/);
  });

  it("bob gets 404 for alice's workspace, as for an unknown one; an admin lists both with their owners", async () => {
    expect((await api('alice', 'POST', '/api/workspaces', { name: 'alices' })).status).toBe(201);
    expect((await api('bob', 'POST', '/api/workspaces', { name: 'bobs' })).status).toBe(201);
    for (const [method, suffix, body] of [
      ['GET', ''],
      ['POST', '/start'],
      ['POST', '/stop'],
      ['DELETE', ''],
      ['GET', '/ports'],
      ['POST', '/ports', { port: 3000 }],
      ['DELETE', '/ports/3000'],
    ] as [string, string, unknown?][]) {
      const hidden = await api('bob', method, `/api/workspaces/alices${suffix}`, body);
      const unknown = await api('bob', method, `/api/workspaces/nobody${suffix}`, body);
      expect(hidden.status, `${method} ${suffix}`).toBe(404);
      expect(JSON.stringify(hidden.body).replace('alices', 'X')).toBe(
        JSON.stringify(unknown.body).replace('nobody', 'X'),
      );
    }
    const names = (list: { body?: Record<string, unknown> }) =>
      ((list.body?.items ?? []) as { name: string; owner: string }[]).map((w) => `${w.name}:${w.owner}`);
    expect(names(await api('bob', 'GET', '/api/workspaces'))).toEqual(['bobs:bob']);
    expect(names(await api('admin', 'GET', '/api/workspaces'))).toEqual(['alices:alice', 'bobs:bob']);
  });

  it('an admin adds and removes users in the dashboard API; the edge follows at once; a member may not', async () => {
    expect((await api('alice', 'POST', '/api/users', { name: 'mallory' })).status).toBe(403);
    const added = await api('admin', 'POST', '/api/users', { name: 'dave' });
    expect(added).toMatchObject({
      status: 201,
      body: { name: 'dave', role: 'member', password: expect.any(String) },
    });
    const password = added.body?.password as string;
    expect(await meStatus('dave', password)).toBe(200);
    expect((await api('admin', 'DELETE', '/api/users/dave')).status).toBe(204);
    expect(await meStatus('dave', password)).toBe(401);
    expect((await api('admin', 'DELETE', '/api/users/gen')).status).toBe(204);
  });

  it('a user added and removed while a WebSocket through the edge is open: the WebSocket stays open', async () => {
    // Without the worker, whose periodic sync would take this route (no such workspace) back out.
    stack?.worker.holdRestarts();
    await stack?.worker.stop();
    const router = new WorkspaceRouter(adminClientFor(dataDir));
    // alice's, for the WebSocket; carol's, for her sessions (the edge admits only a workspace's owner).
    for (const [name, owner] of [
      ['probe', 'alice'],
      ['carols', 'carol'],
    ] as const)
      await router.putWorkspace({
        name,
        upstream: gate?.address ?? '',
        gateSecret: gate?.secret ?? '',
        owner,
      });
    // The workspace server takes no password: a browser signs in on the control plane.
    const aliceSession = await signInCookie(cp, { username: 'alice', password: PASSWORDS.alice ?? '' });
    const socket = new WebSocket(`${ws.replace('http', 'ws')}/workspace/probe/socket`, {
      headers: { Cookie: aliceSession },
    });
    let closed: number | undefined;
    socket.on('close', (code) => {
      closed = code;
    });
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    const echo = (message: string) =>
      new Promise<string>((resolve) => {
        socket.once('message', (data) => resolve(data.toString()));
        socket.send(message);
      });
    expect((await rockpoolUser(['add', 'carol', '--password-stdin'], PASSWORDS.carol)).code).toBe(0);
    expect((await api('carol', 'GET', '/api/me')).status).toBe(200);
    const carolSession = await signInCookie(cp, { username: 'carol', password: PASSWORDS.carol ?? '' });
    const probe = async (cookie: string) => {
      const res = await send(`${ws}/workspace/carols/`, { headers: { Cookie: cookie } });
      await res.arrayBuffer();
      return res.status;
    };
    expect(await probe(carolSession)).toBe(200);
    expect(await echo('after add')).toBe('after add');
    expect((await rockpoolUser(['passwd', 'carol', '--password-stdin'], 'carol-new-password')).code).toBe(0);
    expect((await api('carol', 'GET', '/api/me')).status).toBe(401);
    // Her session from the old password ends with it, on the workspace server too.
    expect(await probe(carolSession)).toBe(401);
    expect(await meStatus('carol', 'carol-new-password')).toBe(200);
    expect((await rockpoolUser(['remove', 'bob'])).output).toBe(
      'Removed bob.\nApplied to the running edge.\n',
    );
    expect((await api('bob', 'GET', '/api/me')).status).toBe(401);
    expect(await echo('after remove')).toBe('after remove');
    expect(closed).toBeUndefined();
    socket.close();
    await expect(rockpoolUser(['remove', 'admin'])).rejects.toThrow(/last admin/);
  });
});
