import type { Stores } from '@rockpool/db';
import type { Hono } from 'hono';
import { beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../app.js';
import { WorkspaceService } from '../service.js';
import { useTempDatabase } from '../temp-database.fixture.js';

const limits = { defaultCpus: 1, maxCpus: 2, defaultMemoryMiB: 1024, minMemoryMiB: 512, maxMemoryMiB: 2048 };
const temp = useTempDatabase('rockpool-port-sharing-');
let stores: Stores;

function appWith(publicPorts: boolean): Hono {
  return createApp({
    service: new WorkspaceService({ ...stores, publicPorts, portJobTimeoutMs: 2_000 }),
    limits,
    workspaces: { mode: 'path', origin: 'http://localhost:8081' },
  });
}

const call = (app: Hono, method: string, path: string, body?: unknown, user = 'alice') =>
  app.request(path, {
    method,
    headers: { 'Content-Type': 'application/json', 'X-Rockpool-User': user },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
interface Answer {
  status: number;
  body: {
    error: { code: string; message: string } & Record<string, unknown>;
    items: { port: number; sharing: string }[];
    ports: { port: number; sharing: string }[];
  };
}
const answer = async (res: Response): Promise<Answer> => ({
  status: res.status,
  body: (await res.json()) as Answer['body'],
});

let app: Hono;
beforeEach(async () => {
  ({ stores } = temp);
  app = appWith(false);
  expect((await call(app, 'POST', '/api/workspaces', { name: 'alice' })).status).toBe(201);
});

describe('port sharing levels in the API', () => {
  it('forwards a port private unless told, and shows each port’s level', async () => {
    expect(
      await answer(await call(app, 'POST', '/api/workspaces/alice/ports', { port: 3000 })),
    ).toMatchObject({
      status: 201,
      body: { port: 3000, sharing: 'private' },
    });
    await call(app, 'POST', '/api/workspaces/alice/ports', { port: 3001, sharing: 'authenticated' });
    const list = await answer(await call(app, 'GET', '/api/workspaces/alice/ports'));
    expect(list.body.items.map((p) => [p.port, p.sharing])).toEqual([
      [3000, 'private'],
      [3001, 'authenticated'],
    ]);
    const workspace = await answer(await call(app, 'GET', '/api/workspaces/alice'));
    expect(workspace.body.ports[1]).toMatchObject({ port: 3001, sharing: 'authenticated' });
  });

  it('answers a bad sharing level with 400 invalid_sharing, naming the field and the levels', async () => {
    const res = await answer(
      await call(app, 'POST', '/api/workspaces/alice/ports', { port: 3000, sharing: 'everyone' }),
    );
    expect(res).toEqual({
      status: 400,
      body: {
        error: {
          code: 'invalid_sharing',
          message: 'Invalid sharing "everyone": one of private, authenticated, public.',
          field: 'sharing',
          allowed: ['private', 'authenticated', 'public'],
        },
      },
    });
    await call(app, 'POST', '/api/workspaces/alice/ports', { port: 3000 });
    const patched = await answer(
      await call(app, 'PATCH', '/api/workspaces/alice/ports/3000', { sharing: 1 }),
    );
    expect(patched).toMatchObject({ status: 400, body: { error: { code: 'invalid_sharing' } } });
    const empty = await answer(await call(app, 'PATCH', '/api/workspaces/alice/ports/3000', {}));
    expect(empty).toMatchObject({ status: 400, body: { error: { code: 'invalid_sharing' } } });
  });

  it('refuses public while public ports are off, with 403 naming the setting, and keeps nothing', async () => {
    const res = await answer(
      await call(app, 'POST', '/api/workspaces/alice/ports', { port: 3000, sharing: 'public' }),
    );
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: 'public_ports_disabled', setting: 'ROCKPOOL_PUBLIC_PORTS' });
    expect(res.body.error.message).toContain('ROCKPOOL_PUBLIC_PORTS=true');
    expect((await answer(await call(app, 'GET', '/api/workspaces/alice/ports'))).body.items).toEqual([]);
    await call(app, 'POST', '/api/workspaces/alice/ports', { port: 3000 });
    const patched = await answer(
      await call(app, 'PATCH', '/api/workspaces/alice/ports/3000', { sharing: 'public' }),
    );
    expect(patched).toMatchObject({ status: 403, body: { error: { code: 'public_ports_disabled' } } });
  });

  it('changes the level later, and has the worker rewrite the port’s route', async () => {
    await call(app, 'POST', '/api/workspaces/alice/ports', { port: 3000 });
    const open = appWith(true);
    const res = await answer(
      await call(open, 'PATCH', '/api/workspaces/alice/ports/3000', { sharing: 'public' }),
    );
    expect(res).toMatchObject({
      status: 200,
      body: { port: 3000, sharing: 'public', url: 'http://localhost:8081/workspace/alice/port/3000/' },
    });
    const workspace = stores.workspaces.find('alice');
    expect(stores.ports.list(workspace?.id ?? '')).toMatchObject([{ port: 3000, sharing: 'public' }]);
    expect(stores.jobs.pending(workspace?.id ?? '').map((job) => [job.kind, job.payload])).toContainEqual([
      'add_port',
      { port: 3000 },
    ]);
  });

  it("answers another member's port as missing, and an unforwarded port with 404", async () => {
    await call(app, 'POST', '/api/workspaces/alice/ports', { port: 3000 });
    const bobs = await answer(
      await call(app, 'PATCH', '/api/workspaces/alice/ports/3000', { sharing: 'authenticated' }, 'bob'),
    );
    expect(bobs).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    const none = await answer(
      await call(app, 'PATCH', '/api/workspaces/alice/ports/4000', { sharing: 'authenticated' }),
    );
    expect(none).toMatchObject({
      status: 404,
      body: { error: { message: 'Port 4000 is not forwarded for alice.' } },
    });
  });
});
