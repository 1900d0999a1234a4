import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORKSPACES_CONTAINER_ID } from '../builders/bootstrap.js';
import type { Route, SubrouteHandler } from '../config/types.js';
import { startTestEdge, type TestEdge } from '../testing/edge-fixture.js';
import { CaddyAdminClient } from './admin-client.js';
import { CaddyAdminError, CaddyUnreachableError } from './errors.js';
import { httpTransport } from './transport.js';

let edge: TestEdge;
beforeAll(async () => {
  edge = await startTestEdge();
});
afterAll(() => edge?.close());

const marker = (id: string): Route => ({
  '@id': id,
  match: [{ path: [`/marker/${id}`] }],
  handle: [{ handler: 'static_response', body: id }],
});

describe('CaddyAdminClient on the real Caddy', () => {
  it('listens on a unix socket and reads return the ETag with the path it covers', async () => {
    expect(edge.caddy.adminEndpoint).toMatch(/^unix\/\/.*admin\.sock$/);
    const read = await edge.caddy.admin.getConfig('apps/http/servers/srv1');
    expect(read.etag).toMatch(/^"\/config\/apps\/http\/servers\/srv1 [0-9a-f]+"$/);
    expect(read.configPath).toBe('/config/apps/http/servers/srv1');
    const byId = await edge.caddy.admin.getById(WORKSPACES_CONTAINER_ID);
    expect(byId?.configPath).toMatch(/^\/config\/apps\/http\/servers\/srv1\/routes\/\d+\/handle\/\d+$/);
  });

  it('carries Caddy’s own message on errors and leaves the running config untouched', async () => {
    const before = await edge.caddy.admin.getConfig('');
    const error = await edge.caddy.admin
      .load({
        apps: {
          http: {
            servers: { bad: { listen: [':1'], routes: [{ handle: [{ handler: 'nope' } as never] }] } },
          },
        },
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CaddyAdminError);
    expect((error as CaddyAdminError).status).toBe(400);
    expect((error as CaddyAdminError).caddyMessage).toContain('nope');
    expect((await edge.caddy.admin.getConfig('')).etag).toBe(before.etag);
    expect((await fetch(`${edge.controlPlaneUrl}/api/health`)).status).toBe(200);
  });

  it('tolerates removing an id that does not exist', async () => {
    expect(await edge.caddy.admin.removeById('no-such-route')).toBe(false);
  });

  it('names the endpoint when Caddy is unreachable', async () => {
    const client = new CaddyAdminClient({ endpoint: `unix/${edge.dataDir}/missing.sock` });
    await expect(client.getConfig('')).rejects.toBeInstanceOf(CaddyUnreachableError);
  });

  it('a write with a stale If-Match gets 412 from Caddy', async () => {
    const admin = edge.caddy.admin;
    const stale = await admin.getById<SubrouteHandler>(WORKSPACES_CONTAINER_ID);
    await admin.appendById(WORKSPACES_CONTAINER_ID, 'routes', marker('m-stale'));
    const send = httpTransport(edge.caddy.adminEndpoint);
    const res = await send({
      method: 'PATCH',
      path: stale?.configPath ?? '',
      headers: { 'If-Match': stale?.etag ?? '' },
      body: JSON.stringify({ ...stale?.value, routes: [] }),
    });
    expect(res.status).toBe(412);
    expect(await admin.getById('m-stale')).toBeDefined();
    await admin.removeById('m-stale');
  });

  it('two writers racing read-modify-write with If-Match lose no update', async () => {
    const writers = [0, 1].map(() => new CaddyAdminClient({ endpoint: edge.caddy.adminEndpoint }));
    const perWriter = 8;
    let attempts = 0;
    await Promise.all(
      writers.map(async (writer, w) => {
        for (let i = 0; i < perWriter; i++) {
          const result = await writer.update<SubrouteHandler>(
            { id: WORKSPACES_CONTAINER_ID },
            (container) => ({
              ...container,
              routes: [...(container.routes ?? []), marker(`race-${w}-${i}`)],
            }),
          );
          attempts += result.attempts;
        }
      }),
    );
    const routes =
      (await edge.caddy.admin.getById<SubrouteHandler>(WORKSPACES_CONTAINER_ID))?.value.routes ?? [];
    const ids = routes.map((r) => r['@id']).filter((id) => id?.startsWith('race-'));
    expect(ids.sort()).toEqual(
      [0, 1].flatMap((w) => Array.from({ length: perWriter }, (_, i) => `race-${w}-${i}`)).sort(),
    );
    // Each retry is a 412 that a blind write would have turned into a lost update.
    console.info(`If-Match race: ${2 * perWriter} updates took ${attempts} attempts`);
  });
});

describe('load', () => {
  it('keeps the admin API on its unix socket even when a config without an admin block fails', async () => {
    const edge2 = await startTestEdge();
    try {
      await expect(
        edge2.caddy.admin.load({
          apps: {
            http: {
              servers: { bad: { listen: [':1'], routes: [{ handle: [{ handler: 'nope' } as never] }] } },
            },
          },
        }),
      ).rejects.toBeInstanceOf(CaddyAdminError);
      expect((await edge2.caddy.admin.getConfig('admin')).value).toMatchObject({
        listen: edge2.caddy.adminEndpoint,
      });
      await expect(
        edge2.caddy.admin.load({ admin: { listen: 'localhost:2019' }, apps: { http: { servers: {} } } }),
      ).rejects.toThrow(/refusing to move/);
    } finally {
      await edge2.close();
    }
  });
});
