import {
  AccessLogStore,
  type Db,
  HeartbeatStore,
  JobQueue,
  PortStore,
  UserStore,
  WorkspaceStore,
} from '@rockpool/db';
import { beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../app.js';
import { WorkspaceService } from '../service.js';
import { useTempDatabase } from '../temp-database.fixture.js';
import { userRoles } from './roles.js';

let db: Db;
let app: ReturnType<typeof createApp>;
let workspaces: WorkspaceStore;

const hash = '$2a$04$abcdefghijklmnopqrstuuNi8D1yq6jOkg5xBF5lIqcG6pfKyjOfG';

const temp = useTempDatabase('rockpool-owners-');

beforeEach(() => {
  ({ db } = temp);
  workspaces = new WorkspaceStore(db);
  const users = new UserStore(db);
  users.add({ name: 'root', role: 'admin', passwordHash: hash });
  for (const name of ['alice', 'bob']) users.add({ name, role: 'member', passwordHash: hash });
  const accessLogs = new AccessLogStore(db);
  accessLogs.insertMany(
    ['alice', 'bob', 'root'].map((user, i) => ({
      time: Date.parse('2026-01-01T00:00:00Z') + i,
      server: 'control-plane' as const,
      method: 'GET',
      host: 'localhost:8080',
      path: '/api/workspaces',
      status: 200,
      durationMs: 1,
      size: 2,
      userId: user,
      remoteIp: '127.0.0.1',
      userAgent: 'curl/8.0',
      workspace: null,
      adminAccess: null,
    })),
  );
  app = createApp({
    service: new WorkspaceService({
      workspaces,
      ports: new PortStore(db),
      jobs: new JobQueue(db),
      heartbeats: new HeartbeatStore(db),
    }),
    limits: { defaultCpus: 1, maxCpus: 2, defaultMemoryMiB: 1024, minMemoryMiB: 512, maxMemoryMiB: 2048 },
    workspaces: { mode: 'path', origin: 'http://localhost:8081' },
    accessLogs,
    roles: userRoles(users),
    eventIntervalMs: 20,
  });
});

const as = (user: string, method: string, path: string, body?: unknown) =>
  app.request(path, {
    method,
    headers: { 'Content-Type': 'application/json', Host: 'localhost:8080', 'X-Rockpool-User': user },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
const answer = async (res: Response) => ({ status: res.status, body: await res.json() });
const names = async (res: Response) =>
  ((await res.json()) as { items: { name: string; owner: string }[] }).items.map(
    (w) => `${w.name}:${w.owner}`,
  );

async function create(user: string, name: string): Promise<void> {
  expect((await as(user, 'POST', '/api/workspaces', { name })).status).toBe(201);
}

describe('ownership in the control plane', () => {
  it("answers another member's workspace exactly as a missing one, on every route", async () => {
    await create('alice', 'alices');
    const running = workspaces.find('alices');
    workspaces.transition(running?.id ?? '', ['creating'], { state: 'running', phase: 'ready' });
    const calls: [string, string, unknown?][] = [
      ['GET', ''],
      ['POST', '/start'],
      ['POST', '/stop'],
      ['DELETE', ''],
      ['GET', '/ports'],
      ['POST', '/ports', { port: 3000 }],
      ['DELETE', '/ports/3000'],
    ];
    for (const [method, suffix, body] of calls) {
      const hidden = await answer(await as('bob', method, `/api/workspaces/alices${suffix}`, body));
      const missing = await answer(await as('bob', method, `/api/workspaces/nobodys${suffix}`, body));
      expect(hidden.status, `${method} ${suffix}`).toBe(404);
      expect(JSON.stringify(hidden.body).replace('alices', 'X')).toBe(
        JSON.stringify(missing.body).replace('nobodys', 'X'),
      );
    }
    // Nothing changed: alice's workspace is still running, and hers to see.
    expect(await answer(await as('alice', 'GET', '/api/workspaces/alices'))).toMatchObject({
      status: 200,
      body: { state: 'running', owner: 'alice' },
    });
  });

  it("lists a member their own workspaces, an admin everyone's with the owner; an admin may stop and delete any", async () => {
    await create('alice', 'a1');
    await create('bob', 'b1');
    await create('alice', 'a2');
    expect(await names(await as('alice', 'GET', '/api/workspaces'))).toEqual(['a1:alice', 'a2:alice']);
    expect(await names(await as('bob', 'GET', '/api/workspaces?limit=1'))).toEqual(['b1:bob']);
    expect(await names(await as('root', 'GET', '/api/workspaces'))).toEqual([
      'a1:alice',
      'a2:alice',
      'b1:bob',
    ]);
    expect((await as('root', 'DELETE', '/api/workspaces/b1')).status).toBe(202);
    expect((await as('root', 'GET', '/api/workspaces/a1')).status).toBe(200);
  });

  it('keeps names unique across users: a name another user holds answers 409 name_taken', async () => {
    await create('alice', 'shared');
    expect(await answer(await as('bob', 'POST', '/api/workspaces', { name: 'shared' }))).toMatchObject({
      status: 409,
      body: { error: { code: 'name_taken' } },
    });
  });

  it('says who the caller is and their role', async () => {
    expect(await (await as('root', 'GET', '/api/me')).json()).toEqual({ user: 'root', role: 'admin' });
    expect(await (await as('bob', 'GET', '/api/me')).json()).toEqual({ user: 'bob', role: 'member' });
  });

  it("shows a member their own requests in the logs, an admin everyone's", async () => {
    const users = async (user: string, query = '') =>
      ((await (await as(user, 'GET', `/api/logs${query}`)).json()) as { items: { userId: string }[] }).items
        .map((entry) => entry.userId)
        .sort();
    expect(await users('root')).toEqual(['alice', 'bob', 'root']);
    expect(await users('alice')).toEqual(['alice']);
    expect(await users('alice', '?user=bob')).toEqual([]);
    expect(await users('alice', '?user=alice')).toEqual(['alice']);
  });

  it("sends a member only their own workspaces on the event stream, not another's changes or removal", async () => {
    await create('alice', 'alices');
    await create('bob', 'bobs');
    const res = await as('bob', 'GET', '/api/events');
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    const until = async (needle: string) => {
      while (!text.includes(needle)) text += new TextDecoder().decode((await reader.read()).value);
    };
    await until('\n\n');
    expect(text).toContain('"bobs"');
    expect(text).not.toContain('alices');
    const alices = workspaces.find('alices');
    workspaces.transition(alices?.id ?? '', ['creating'], { state: 'error', phase: 'failed', error: 'x' });
    workspaces.delete(alices?.id ?? '');
    const bobs = workspaces.find('bobs');
    workspaces.transition(bobs?.id ?? '', ['creating'], { state: 'running', phase: 'ready' });
    await until('"running"');
    await reader.cancel();
    expect(text).not.toContain('alices');
    expect(text).not.toContain(alices?.id ?? 'none');
  });
});
