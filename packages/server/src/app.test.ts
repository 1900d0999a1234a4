import { AccessLogStore, type Db, type Stores } from '@rockpool/db';
import type { ResourceLimits } from '@rockpool/model';
import type { Hono } from 'hono';
import { beforeEach, describe, expect, it } from 'vitest';
import { createApp } from './app.js';
import type { openApiDocument } from './openapi.js';
import { WorkspaceService } from './service.js';
import { useTempDatabase } from './temp-database.fixture.js';

const limits: ResourceLimits = {
  defaultCpus: 2,
  maxCpus: 4,
  defaultMemoryMiB: 2048,
  minMemoryMiB: 512,
  maxMemoryMiB: 8192,
};

let db: Db;
let app: Hono;
let stores: Stores;

const temp = useTempDatabase('rockpool-api-');

beforeEach(() => {
  ({ db, stores } = temp);
  app = createApp({
    service: new WorkspaceService({ ...stores, portJobTimeoutMs: 2_000 }),
    limits,
    workspaces: { mode: 'path', origin: 'http://localhost:8081' },
    accessLogs: new AccessLogStore(db),
  });
});

const headers = { 'Content-Type': 'application/json', Host: 'localhost:8080', 'X-Rockpool-User': 'alice' };
const call = (method: string, path: string, body?: unknown, extra: Record<string, string> = {}) =>
  app.request(path, {
    method,
    headers: { ...headers, ...extra },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
const json = async (res: Response) =>
  (await res.json()) as Record<string, unknown> & { error: { code: string; message: string } };

/** Stands in for the worker: marks a workspace running the way provisioning ends. */
function markRunning(name: string) {
  const ws = stores.workspaces.find(name);
  if (!ws) throw new Error(`no ${name}`);
  for (const job of stores.jobs.pending(ws.id)) {
    stores.jobs.claim('test-worker', 60_000);
    stores.jobs.complete(job.id, 'test-worker');
  }
  stores.workspaces.transition(ws.id, ['creating', 'starting'], { state: 'running', phase: 'ready' });
}

describe('workspaces API', () => {
  it('creates a workspace, queues its provisioning and answers where it lives', async () => {
    const res = await call('POST', '/api/workspaces', { name: 'alice', cpus: 1 });
    expect(res.status).toBe(201);
    const body = await json(res);
    expect(body).toMatchObject({
      name: 'alice',
      state: 'creating',
      phase: 'queued',
      cpus: 1,
      memoryMiB: 2048,
      owner: 'alice',
      ideUrl: 'http://localhost:8081/workspace/alice/',
      ports: [],
      actions: ['delete'],
    });
    expect(res.headers.get('location')).toBe(`/api/workspaces/${body.id}`);
    expect(stores.jobs.pending().map((j) => j.kind)).toEqual(['provision']);
  });

  it('builds IDE links on the origin the edge says the workspaces have now', async () => {
    const res = await call(
      'POST',
      '/api/workspaces',
      { name: 'moved' },
      { 'X-Rockpool-Workspaces-Origin': 'https://localhost:8443' },
    );
    expect((await json(res)).ideUrl).toBe('https://localhost:8443/workspace/moved/');
  });

  it('builds a host per IDE when the edge says the workspaces are in subdomain mode', async () => {
    const subdomain = { 'X-Rockpool-Workspaces-Origin': 'https://*.ws.example.com:8443' };
    const res = await call('POST', '/api/workspaces', { name: 'moved' }, subdomain);
    expect((await json(res)).ideUrl).toBe('https://moved.ws.example.com:8443/');
  });

  it("never builds links on the request's Host, nor on an edge value that is no origin", async () => {
    const spoofed = {
      Host: 'evil.example:9',
      'X-Forwarded-Host': 'evil.example:9',
      'X-Forwarded-Proto': 'https',
    };
    const created = await json(await call('POST', '/api/workspaces', { name: 'alice' }, spoofed));
    expect(created.ideUrl).toBe('http://localhost:8081/workspace/alice/');
    await call('POST', '/api/workspaces/alice/ports', { port: 3000 }, spoofed);
    for (const origin of [
      'javascript:alert(1)',
      'http://evil.example/x',
      'evil.example:9',
      '',
      'http://*.*.evil',
    ])
      expect(
        await json(
          await call('GET', '/api/workspaces/alice', undefined, { 'X-Rockpool-Workspaces-Origin': origin }),
        ),
      ).toMatchObject({
        ideUrl: 'http://localhost:8081/workspace/alice/',
        ports: [{ url: 'http://localhost:8081/workspace/alice/port/3000/' }],
      });
  });

  it.each([
    [{ name: 'Alice' }, 400, 'invalid_name'],
    [{ name: '' }, 400, 'invalid_name'],
    [{ name: 'a'.repeat(64) }, 400, 'invalid_name'],
    [{}, 400, 'invalid_name'],
    [{ name: 'ok', cpus: 0 }, 400, 'invalid_cpus'],
    [{ name: 'ok', cpus: 5 }, 400, 'invalid_cpus'],
    [{ name: 'ok', memoryMiB: 100 }, 400, 'invalid_memorymib'],
    [{ name: 'ok', disk: 10 }, 400, 'unknown_field'],
    ['{"name":', 400, 'invalid_json'],
    [[1, 2], 400, 'invalid_body'],
  ])('refuses %j with %d %s and writes nothing', async (body, status, code) => {
    const res = await call('POST', '/api/workspaces', body);
    expect(res.status).toBe(status);
    const error = (await json(res)).error;
    expect(error.code).toBe(code);
    expect(error.message.length).toBeGreaterThan(10);
    expect(stores.workspaces.count()).toBe(0);
    expect(stores.jobs.pending()).toEqual([]);
  });

  it('sets the idle timeout at create (default 60 min) and changes it with PATCH', async () => {
    const created = await json(
      await call('POST', '/api/workspaces', { name: 'alice', idleTimeoutMinutes: 15 }),
    );
    expect(created).toMatchObject({ idleTimeoutMinutes: 15, activeAt: null });
    expect((await json(await call('POST', '/api/workspaces', { name: 'bob' }))).idleTimeoutMinutes).toBe(60);
    const patched = await call('PATCH', '/api/workspaces/alice', { idleTimeoutMinutes: 0 });
    expect(patched.status).toBe(200);
    expect((await json(patched)).idleTimeoutMinutes).toBe(0);
    expect(stores.workspaces.find('alice')?.idleTimeoutMinutes).toBe(0);
    const bad = await call('PATCH', '/api/workspaces/alice', { idleTimeoutMinutes: -5 });
    expect(bad.status).toBe(400);
    expect((await json(bad)).error.code).toBe('invalid_idletimeoutminutes');
    const hidden = await call(
      'PATCH',
      '/api/workspaces/alice',
      { idleTimeoutMinutes: 5 },
      { 'X-Rockpool-User': 'mallory' },
    );
    expect(hidden.status).toBe(404);
    expect(stores.workspaces.find('alice')?.idleTimeoutMinutes).toBe(0);
  });

  it('refuses a taken name with 409', async () => {
    await call('POST', '/api/workspaces', { name: 'alice' });
    const res = await call('POST', '/api/workspaces', { name: 'alice' });
    expect(res.status).toBe(409);
    expect((await json(res)).error.code).toBe('name_taken');
    expect(stores.jobs.pending()).toHaveLength(1);
  });

  it('finds a workspace by id or name, and says 404 otherwise', async () => {
    const created = await json(await call('POST', '/api/workspaces', { name: 'alice' }));
    expect((await json(await call('GET', `/api/workspaces/${created.id}`))).name).toBe('alice');
    expect((await json(await call('GET', '/api/workspaces/alice'))).id).toBe(created.id);
    const missing = await call('GET', '/api/workspaces/bob');
    expect(missing.status).toBe(404);
    expect((await json(missing)).error.code).toBe('not_found');
  });

  it('paginates the list', async () => {
    for (const name of ['c', 'a', 'b']) await call('POST', '/api/workspaces', { name });
    const first = await json(await call('GET', '/api/workspaces?limit=2'));
    expect((first.items as { name: string }[]).map((w) => w.name)).toEqual(['a', 'b']);
    const second = await json(await call('GET', `/api/workspaces?limit=2&cursor=${first.nextCursor}`));
    expect((second.items as { name: string }[]).map((w) => w.name)).toEqual(['c']);
    expect(second.nextCursor).toBeNull();
    expect((await call('GET', '/api/workspaces?limit=0')).status).toBe(400);
    expect((await call('GET', '/api/workspaces?cursor=../x')).status).toBe(400);
  });

  it('follows the state machine and answers 409 with the reason otherwise', async () => {
    await call('POST', '/api/workspaces', { name: 'alice' });
    const early = await call('POST', '/api/workspaces/alice/stop');
    expect(early.status).toBe(409);
    const earlyError = (await json(early)).error;
    expect(earlyError).toMatchObject({ code: 'invalid_state', state: 'creating' });
    expect(earlyError.message).toMatch(/Wait for it to finish/);

    markRunning('alice');
    const stop = await call('POST', '/api/workspaces/alice/stop');
    expect(stop.status).toBe(202);
    expect(await json(stop)).toMatchObject({ state: 'stopping' });
    expect((await call('POST', '/api/workspaces/alice/start')).status).toBe(409);

    const del = await call('DELETE', '/api/workspaces/alice');
    expect(del.status).toBe(202);
    expect(await json(del)).toMatchObject({ state: 'deleting', actions: [] });
    expect((await call('DELETE', '/api/workspaces/alice')).status).toBe(409);
    // Deleting cancels what was still queued: the stop would only delay it.
    expect(stores.jobs.pending().map((j) => j.kind)).toEqual(['delete']);
  });
});

describe('suspend API', () => {
  it('suspends a running workspace, resumes it on start, and shuts a suspended one down on stop', async () => {
    await call('POST', '/api/workspaces', { name: 'alice' });
    const early = await call('POST', '/api/workspaces/alice/suspend');
    expect(early.status).toBe(409);
    expect((await json(early)).error.message).toBe(
      'Cannot suspend a workspace that is creating; suspend works from: running. Wait for it to finish.',
    );

    markRunning('alice');
    const alice = stores.workspaces.find('alice')?.id ?? '';
    expect((await json(await call('GET', '/api/workspaces/alice'))).actions).toEqual([
      'suspend',
      'stop',
      'delete',
    ]);
    const suspending = await call('POST', '/api/workspaces/alice/suspend');
    expect(suspending.status).toBe(202);
    expect(await json(suspending)).toMatchObject({
      state: 'suspending',
      phase: 'suspending',
      actions: ['delete'],
    });
    expect(stores.jobs.pending().map((j) => j.kind)).toEqual(['suspend']);

    stores.workspaces.transition(alice, ['suspending'], { state: 'suspended', phase: 'suspended' });
    stores.workspaces.setDiskBytes(alice, 123_456_789);
    const suspended = await json(await call('GET', '/api/workspaces/alice'));
    expect(suspended).toMatchObject({ state: 'suspended', diskBytes: 123_456_789, notice: null });
    expect(suspended.actions).toEqual(['start', 'stop', 'delete']);
    expect((await call('POST', '/api/workspaces/alice/suspend')).status).toBe(409);
    expect(await json(await call('POST', '/api/workspaces/alice/start'))).toMatchObject({
      state: 'starting',
    });

    for (const job of stores.jobs.pending(alice)) {
      stores.jobs.claim('test-worker', 60_000);
      stores.jobs.complete(job.id, 'test-worker');
    }
    stores.workspaces.transition(alice, ['starting'], { state: 'suspended', phase: 'suspended' });
    expect(await json(await call('POST', '/api/workspaces/alice/stop'))).toMatchObject({ state: 'stopping' });
  });
});

describe('ports API', () => {
  beforeEach(async () => {
    await call('POST', '/api/workspaces', { name: 'alice' });
  });

  it.each([[0], [65536], [3.5], ['3000'], [null]])('refuses port %j with 400 invalid_port', async (port) => {
    const res = await call('POST', '/api/workspaces/alice/ports', { port });
    expect(res.status).toBe(400);
    expect((await json(res)).error.code).toBe('invalid_port');
  });

  it('refuses a duplicate and a sixth port with reasons', async () => {
    for (const port of [3000, 3001, 3002, 3003, 3004])
      expect((await call('POST', '/api/workspaces/alice/ports', { port })).status).toBe(201);
    const dup = await call('POST', '/api/workspaces/alice/ports', { port: 3000 });
    expect(dup.status).toBe(409);
    expect((await json(dup)).error.code).toBe('port_exists');
    const sixth = await call('POST', '/api/workspaces/alice/ports', { port: 3005 });
    expect(sixth.status).toBe(409);
    expect((await json(sixth)).error).toMatchObject({ code: 'port_limit', limit: 5 });
    const list = await json(await call('GET', '/api/workspaces/alice/ports'));
    expect((list.items as { port: number; url: string }[]).map((p) => p.port)).toEqual([
      3000, 3001, 3002, 3003, 3004,
    ]);
    expect((list.items as { url: string }[])[0]?.url).toBe(
      'http://localhost:8081/workspace/alice/port/3000/',
    );
  });

  it('removes a port of a stopped workspace at once, and 404s an unknown one', async () => {
    await call('POST', '/api/workspaces/alice/ports', { port: 3000 });
    expect((await call('DELETE', '/api/workspaces/alice/ports/3000')).status).toBe(204);
    expect((await call('DELETE', '/api/workspaces/alice/ports/3000')).status).toBe(404);
    expect((await call('DELETE', '/api/workspaces/alice/ports/http')).status).toBe(400);
  });

  it('on a running workspace, waits for the worker and reports its failure', async () => {
    markRunning('alice');
    const ws = stores.workspaces.find('alice');
    // A worker that fails the job and undoes the row, as the real one does.
    const worker = setInterval(() => {
      const job = stores.jobs.claim('w', 10_000);
      if (!job || !ws) return;
      stores.ports.remove(ws.id, job.payload.port as number);
      stores.jobs.fail(job.id, 'w', 'QEMU refused the forward', 0);
      stores.jobs.claim('w', 10_000);
      stores.jobs.fail(job.id, 'w', 'QEMU refused the forward', 0);
      stores.jobs.claim('w', 10_000);
      stores.jobs.fail(job.id, 'w', 'QEMU refused the forward', 0);
    }, 20);
    try {
      const res = await call('POST', '/api/workspaces/alice/ports', { port: 3000 });
      expect(res.status).toBe(502);
      const error = (await json(res)).error;
      expect(error.code).toBe('worker_failed');
      expect(error.message).toContain('QEMU refused the forward');
      expect(stores.ports.list(ws?.id ?? '')).toEqual([]);
    } finally {
      clearInterval(worker);
    }
  });
});

describe('cross-origin requests', () => {
  it('refuses a state change from another origin, even with credentials', async () => {
    const res = await call('POST', '/api/workspaces', { name: 'x' }, { Origin: 'http://localhost:8081' });
    expect(res.status).toBe(403);
    expect(
      (await call('POST', '/api/workspaces', { name: 'x' }, { 'Sec-Fetch-Site': 'same-site' })).status,
    ).toBe(403);
    expect(stores.workspaces.count()).toBe(0);
    expect(
      (await call('POST', '/api/workspaces', { name: 'x' }, { Origin: 'http://localhost:8080' })).status,
    ).toBe(201);
  });
});

describe('health and documentation', () => {
  it('reports the worker as down until it beats', async () => {
    const down = await call('GET', '/api/health');
    expect(down.status).toBe(503);
    expect(await json(down)).toMatchObject({
      status: 'degraded',
      database: { ok: true },
      worker: { ok: false },
    });
    stores.heartbeats.beat('w1', 123, 'qemu');
    const up = await call('GET', '/api/health');
    expect(up.status).toBe(200);
    expect(await json(up)).toMatchObject({ status: 'ok', worker: { ok: true, runtime: 'qemu' } });
  });

  it('serves an OpenAPI document that describes every route', async () => {
    const doc = (await json(await call('GET', '/api/openapi.json'))) as unknown as ReturnType<
      typeof openApiDocument
    >;
    expect(doc.openapi).toBe('3.1.0');
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.keys(ops)
          .filter((k) => k !== 'parameters')
          .map((method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
      ),
    );
    const routes = app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path}`);
    for (const route of routes) expect(documented, route).toContain(route);
  });

  it('serves access logs with filters, and names a bad filter parameter', async () => {
    new AccessLogStore(db).insertMany(
      [200, 404, 503].map((status, i) => ({
        time: Date.parse('2026-01-01T00:00:00Z') + i * 1000,
        server: 'control-plane' as const,
        method: 'GET',
        host: 'localhost:8080',
        path: `/api/s${status}`,
        status,
        durationMs: 1,
        size: 2,
        userId: 'alice',
        remoteIp: '127.0.0.1',
        userAgent: null,
        workspace: null,
        adminAccess: null,
      })),
    );
    const page = (await json(await call('GET', '/api/logs?status=5xx'))) as unknown as {
      items: { path: string; time: string }[];
      nextCursor: string | null;
    };
    expect(page).toMatchObject({
      items: [{ path: '/api/s503', time: '2026-01-01T00:00:02.000Z' }],
      nextCursor: null,
    });
    const first = (await json(await call('GET', '/api/logs?limit=2&user=alice'))) as unknown as typeof page;
    expect(first.items.map((e) => e.path)).toEqual(['/api/s503', '/api/s404']);
    const rest = (await json(
      await call('GET', `/api/logs?limit=2&cursor=${first.nextCursor}`),
    )) as unknown as typeof page;
    expect(rest.items.map((e) => e.path)).toEqual(['/api/s200']);
    const bad = await call('GET', '/api/logs?status=teapot');
    expect(bad.status).toBe(400);
    expect(await json(bad)).toMatchObject({ error: { code: 'invalid_filter', parameter: 'status' } });
  });

  it('says who the user is', async () => {
    expect(await json(await call('GET', '/api/me'))).toEqual({ user: 'alice', role: 'member' });
  });

  it('answers unknown routes with a JSON 404', async () => {
    const res = await call('GET', '/api/nope');
    expect(res.status).toBe(404);
    expect((await json(res)).error.code).toBe('not_found');
    expect((await call('POST', '/api/workspaces/')).status).toBe(404);
  });

  it.each([
    ['PUT', '/api/workspaces/alice', 'GET, HEAD, PATCH, DELETE'],
    ['GET', '/api/workspaces/alice/start', 'POST'],
    ['DELETE', '/api/workspaces', 'GET, HEAD, POST'],
    ['PUT', '/api/workspaces/alice/ports/3000', 'PATCH, DELETE'],
    ['POST', '/api/health', 'GET, HEAD'],
  ])('answers %s %s with 405 and Allow: %s', async (method, path, allow) => {
    const res = await call(method, path);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe(allow);
    expect((await json(res)).error).toMatchObject({ code: 'method_not_allowed', allow: allow.split(', ') });
  });

  it('refuses a body over 64 KiB with 413 body_too_large, writing nothing', async () => {
    const res = await call('POST', '/api/workspaces', { name: 'big', pad: 'x'.repeat(64 * 1024) });
    expect(res.status).toBe(413);
    expect((await json(res)).error.code).toBe('body_too_large');
    expect(stores.workspaces.count()).toBe(0);
  });

  it('reads malformed percent-escapes in parameters and queries without failing', async () => {
    expect((await call('GET', '/api/workspaces/%E0')).status).toBe(404);
    expect((await call('DELETE', '/api/workspaces/alice/ports/%E0')).status).toBe(400);
    expect((await call('GET', '/api/logs?path=%E0&user=%FF')).status).toBe(200);
    expect((await call('GET', '/api/workspaces?cursor=%E0')).status).toBe(400);
  });
});
