import type { RouteConfig } from '@hono/zod-openapi';
import { hashPassword } from '@rockpool/caddy';
import { AccessLogStore, type Db, type Stores, UserStore } from '@rockpool/db';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { createApp } from './app.js';
import { userRoles } from './auth/roles.js';
import { UserAdmin } from './auth/user-admin.js';
import { completeUserJobs } from './auth/users.fixture.js';
import type { EdgeUsers } from './edge-users.js';
import { WorkspaceService } from './service.js';
import { useTempDatabase } from './temp-database.fixture.js';

let db: Db;
let app: ReturnType<typeof createApp>;
let stores: Stores;
let certificatesEnabled: boolean;
let stopUserJobs: () => void;

// Stands in for the edge's files (dataDirEdgeUsers is tested against them in edge-users.test.ts).
const edgeUsers: EdgeUsers = {
  users: async () => [
    { name: 'alice', role: 'admin', source: 'basic', createdAt: '2026-01-01T00:00:00.000Z' },
  ],
  clientCertificatesEnabled: async () => certificatesEnabled,
  issue: async () => Buffer.from('not really a p12'),
};

const temp = useTempDatabase('rockpool-contract-');

beforeEach(() => {
  ({ db, stores } = temp);
  certificatesEnabled = true;
  app = createApp({
    service: new WorkspaceService({ ...stores, portJobTimeoutMs: 2_000 }),
    limits: { defaultCpus: 1, maxCpus: 2, defaultMemoryMiB: 1024, minMemoryMiB: 512, maxMemoryMiB: 2048 },
    workspaces: { mode: 'path', origin: 'http://localhost:8081' },
    accessLogs: new AccessLogStore(db),
    edgeUsers,
    // The caller, alice, is an admin by the admins setting.
    roles: userRoles(undefined, ['alice']),
    userAdmin: new UserAdmin({
      users: new UserStore(db),
      jobs: stores.jobs,
      hash: (p) => hashPassword(p, 4),
    }),
  });
  stopUserJobs = completeUserJobs(db);
});
afterEach(() => {
  stopUserJobs();
});

type Documented = Omit<RouteConfig, 'responses'> & {
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
};

const documentedRoutes = () =>
  app.openAPIRegistry.definitions.flatMap((d) => (d.type === 'route' ? [d.route as Documented] : []));

const routeOf = (method: string, path: string) =>
  documentedRoutes().find(
    (r) =>
      r.method.toUpperCase() === method &&
      new RegExp(`^${r.path.replace(/\{\w+\}/g, '[^/]+')}$`).test(path.split('?')[0] ?? ''),
  );

const exercised = new Set<string>();

/** Calls the app and checks the answer against the schema its route documents for that status. */
async function check(method: string, path: string, body?: unknown): Promise<Response> {
  const res = await app.request(path, {
    method,
    headers: { 'Content-Type': 'application/json', Host: 'localhost:8080', 'X-Rockpool-User': 'alice' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const route = routeOf(method, path);
  expect(route, `${method} ${path} is documented`).toBeDefined();
  if (!route) return res;
  exercised.add(`${method} ${route.path}`);
  const documented = route.responses[String(res.status)];
  expect(documented, `${method} ${path} answered ${res.status}, which its route documents`).toBeDefined();
  const media = Object.keys(documented?.content ?? {});
  if (media.length === 0) {
    expect(await res.text(), `${method} ${path} ${res.status} has no body`).toBe('');
    return res;
  }
  const type = res.headers.get('content-type') ?? '';
  expect(
    media.some((m) => type.startsWith(m)),
    `${method} ${path}: ${type} is one of ${media}`,
  ).toBe(true);
  const schema = documented?.content?.['application/json']?.schema as z.ZodType | undefined;
  if (schema) {
    const result = schema.safeParse(await res.clone().json());
    expect(result.error?.issues ?? [], `${method} ${path} ${res.status} matches its schema`).toEqual([]);
  }
  return res;
}

/** The first event of the stream, checked against the documented event schema. */
async function checkFirstEvent(res: Response): Promise<void> {
  const schema = routeOf('GET', '/api/events')?.responses['200']?.content?.['text/event-stream']
    ?.schema as z.ZodType;
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  let text = '';
  while (!text.includes('\n\n')) text += new TextDecoder().decode((await reader.read()).value);
  await reader.cancel();
  const data = JSON.parse(/^data: (.*)$/m.exec(text)?.[1] ?? 'null');
  expect(schema.safeParse(data).error?.issues ?? []).toEqual([]);
}

describe('the API contract', () => {
  it('answers every route with what its OpenAPI schema documents', async () => {
    expect((await check('GET', '/api/health')).status).toBe(503);
    stores.heartbeats.beat('w1', 123, 'qemu');
    expect((await check('GET', '/api/health')).status).toBe(200);
    await check('GET', '/api/me');
    await check('GET', '/api/openapi.json');

    expect((await check('POST', '/api/workspaces', { name: 'alice' })).status).toBe(201);
    expect((await check('POST', '/api/workspaces', { name: 'alice' })).status).toBe(409);
    expect((await check('POST', '/api/workspaces', { name: 'Alice', disk: 1 })).status).toBe(400);
    await checkFirstEvent(await check('GET', '/api/events'));
    expect((await check('GET', '/api/workspaces?limit=1')).status).toBe(200);
    expect((await check('GET', '/api/workspaces?limit=0')).status).toBe(400);
    expect((await check('GET', '/api/workspaces/alice')).status).toBe(200);
    expect((await check('GET', '/api/workspaces/bob')).status).toBe(404);
    expect((await check('PATCH', '/api/workspaces/alice', { idleTimeoutMinutes: 30 })).status).toBe(200);
    expect((await check('PATCH', '/api/workspaces/alice', { idleTimeoutMinutes: 'soon' })).status).toBe(400);
    expect((await check('PATCH', '/api/workspaces/bob', { idleTimeoutMinutes: 30 })).status).toBe(404);

    expect((await check('POST', '/api/workspaces/alice/ports', { port: 3000 })).status).toBe(201);
    expect((await check('POST', '/api/workspaces/alice/ports', { port: 3000 })).status).toBe(409);
    expect((await check('POST', '/api/workspaces/alice/ports', { port: 0 })).status).toBe(400);
    expect((await check('POST', '/api/workspaces/bob/ports', { port: 3000 })).status).toBe(404);
    expect((await check('GET', '/api/workspaces/alice/ports')).status).toBe(200);
    expect((await check('GET', '/api/workspaces/bob/ports')).status).toBe(404);
    const port = '/api/workspaces/alice/ports/3000';
    expect((await check('PATCH', port, { sharing: 'authenticated' })).status).toBe(200);
    expect((await check('PATCH', port, { sharing: 'public' })).status).toBe(403);
    expect((await check('PATCH', port, { sharing: 'all' })).status).toBe(400);
    expect((await check('PATCH', '/api/workspaces/alice/ports/4000', { sharing: 'private' })).status).toBe(
      404,
    );
    expect((await check('DELETE', '/api/workspaces/alice/ports/3000')).status).toBe(204);
    expect((await check('DELETE', '/api/workspaces/alice/ports/3000')).status).toBe(404);
    expect((await check('DELETE', '/api/workspaces/alice/ports/http')).status).toBe(400);

    expect((await check('POST', '/api/workspaces/alice/stop')).status).toBe(409);
    expect((await check('POST', '/api/workspaces/bob/stop')).status).toBe(404);
    const alice = stores.workspaces.find('alice');
    expect((await check('POST', '/api/workspaces/alice/suspend')).status).toBe(409);
    expect((await check('POST', '/api/workspaces/bob/suspend')).status).toBe(404);
    stores.workspaces.transition(alice?.id ?? '', ['creating'], { state: 'running', phase: 'ready' });
    expect((await check('POST', '/api/workspaces/alice/suspend')).status).toBe(202);
    stores.workspaces.transition(alice?.id ?? '', ['suspending'], { state: 'running', phase: 'ready' });
    expect((await check('POST', '/api/workspaces/alice/stop')).status).toBe(202);
    expect((await check('POST', '/api/workspaces/alice/start')).status).toBe(409);
    expect((await check('POST', '/api/workspaces/bob/start')).status).toBe(404);
    stores.workspaces.transition(alice?.id ?? '', ['stopping'], { state: 'stopped', phase: 'stopped' });
    expect((await check('POST', '/api/workspaces/alice/start')).status).toBe(202);
    expect((await check('DELETE', '/api/workspaces/alice')).status).toBe(202);
    expect((await check('DELETE', '/api/workspaces/alice')).status).toBe(409);
    expect((await check('DELETE', '/api/workspaces/bob')).status).toBe(404);

    expect((await check('GET', '/api/users')).status).toBe(200);
    expect((await check('POST', '/api/users', { name: 'bob', role: 'admin' })).status).toBe(201);
    expect((await check('POST', '/api/users', { name: 'bob' })).status).toBe(409);
    expect((await check('POST', '/api/users', { name: 'github.com/x' })).status).toBe(400);
    expect((await check('PATCH', '/api/users/bob', { password: 'a new password' })).status).toBe(200);
    expect((await check('PATCH', '/api/users/bob', { role: 'member' })).status).toBe(409);
    expect((await check('PATCH', '/api/users/ghost', { role: 'member' })).status).toBe(404);
    expect(
      (await check('POST', '/api/users', { name: 'carol', role: 'admin', password: 'carol-password' }))
        .status,
    ).toBe(201);
    expect((await check('DELETE', '/api/users/bob')).status).toBe(204);
    expect((await check('DELETE', '/api/users/bob')).status).toBe(404);
    const certificate = '/api/users/alice/client-certificate';
    expect((await check('POST', certificate, { password: 'long enough' })).status).toBe(200);
    expect((await check('POST', certificate, { password: 'short' })).status).toBe(400);
    expect(
      (await check('POST', '/api/users/bob/client-certificate', { password: 'long enough' })).status,
    ).toBe(404);
    certificatesEnabled = false;
    expect((await check('POST', certificate, { password: 'long enough' })).status).toBe(409);

    new AccessLogStore(db).insertMany([
      {
        time: Date.parse('2026-01-01T00:00:00Z'),
        server: 'workspaces',
        method: 'GET',
        host: 'localhost:8081',
        path: '/workspace/alice/',
        status: 200,
        durationMs: 1.5,
        size: 2,
        userId: 'alice',
        remoteIp: '127.0.0.1',
        userAgent: 'curl/8.0',
        workspace: 'alice',
        adminAccess: null,
      },
    ]);
    expect((await check('GET', '/api/logs?status=2xx')).status).toBe(200);
    expect((await check('GET', '/api/logs?status=teapot')).status).toBe(400);

    const documented = documentedRoutes().map((r) => `${r.method.toUpperCase()} ${r.path}`);
    expect([...exercised].sort()).toEqual([...new Set(documented)].sort());
  });
});
