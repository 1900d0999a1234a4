import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEdge, type TestEdge } from '../testing/edge-fixture.js';
import { freePort } from '../testing/free-port.js';
import { type EchoUpstream, startEchoUpstream } from '../testing/upstream.js';

let edge: TestEdge;
let ide: EchoUpstream;
beforeAll(async () => {
  edge = await startTestEdge();
  ide = await startEchoUpstream({ name: 'ide' });
});
afterAll(async () => {
  await ide?.close();
  await edge?.close();
});

/**
 * Every config change makes Caddy retire the old server instance and close its idle keep-alive
 * connections; a pooled connection can be closed just as fetch reuses it (browsers retry that
 * silently, undici does not). One connection per request keeps the assertions about routing.
 */
async function get(path: string, init: RequestInit = {}) {
  return fetch(`${edge.workspacesUrl}${path}`, {
    redirect: 'manual',
    ...init,
    headers: { ...edge.authHeader(), Connection: 'close', ...init.headers },
  });
}

describe('workspace routes on the real Caddy', () => {
  it('proxies with the prefix stripped and X-Forwarded-Prefix set, keeping no credentials', async () => {
    await edge.router.putWorkspace({ name: 'alice', upstream: ide.address });
    const res = await get('/workspace/alice/static/app.js?v=1');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-upstream')).toBe('ide');
    const seen = (await res.json()) as { url: string; headers: Record<string, string> };
    expect(seen.url).toBe('/static/app.js?v=1');
    expect(seen.headers['x-forwarded-prefix']).toBe('/workspace/alice');
    expect(seen.headers.authorization).toBeUndefined();
    expect(seen.headers.host).toBe(new URL(edge.workspacesUrl).host);
  });

  it('redirects the bare path to the trailing slash, keeping the query', async () => {
    const res = await get('/workspace/alice?folder=/root');
    expect(res.status).toBe(308);
    expect(res.headers.get('location')).toBe('/workspace/alice/?folder=/root');
    expect((await get('/workspace/alice')).headers.get('location')).toBe('/workspace/alice/');
  });

  it('does not let one workspace prefix match another', async () => {
    expect((await get('/workspace/alice2/')).status).toBe(404);
    expect((await get('/workspace/alicex')).status).toBe(404);
  });

  it('is idempotent: putting the same workspace twice leaves one route', async () => {
    await edge.router.putWorkspace({ name: 'alice', upstream: ide.address });
    const ids = (await edge.router.list()).map((r) => r['@id']);
    expect(ids.filter((id) => id === 'workspace-alice')).toHaveLength(1);
  });

  describe('port routes', () => {
    let appPort: number;
    beforeAll(async () => {
      appPort = await freePort();
      await edge.router.putPort({ workspace: 'alice', port: 3000, upstream: `127.0.0.1:${appPort}` });
    });

    it('answer 502 with a page that says the app is not listening yet', async () => {
      const res = await get('/workspace/alice/port/3000/');
      expect(res.status).toBe(502);
      expect(res.headers.get('content-type')).toContain('text/html');
      expect(await res.text()).toContain('not listening yet');
    });

    it('win over the IDE fallback and answer 200 as soon as the app listens, 502 after it stops', async () => {
      const app = await startEchoUpstream({ port: appPort, name: 'app' });
      try {
        const res = await get('/workspace/alice/port/3000/api/items?x=1');
        expect(res.status).toBe(200);
        expect(res.headers.get('x-upstream')).toBe('app');
        const seen = (await res.json()) as { url: string; headers: Record<string, string> };
        expect(seen.url).toBe('/api/items?x=1');
        expect(seen.headers['x-forwarded-prefix']).toBe('/workspace/alice/port/3000');
        expect(seen.headers.authorization).toBeUndefined();
      } finally {
        await app.close();
      }
      expect((await get('/workspace/alice/port/3000/')).status).toBe(502);
    });

    it('redirect the bare port path to its trailing slash', async () => {
      const res = await get('/workspace/alice/port/3000');
      expect(res.status).toBe(308);
      expect(res.headers.get('location')).toBe('/workspace/alice/port/3000/');
    });

    it('answer 404 for an unregistered port instead of reaching the IDE', async () => {
      const res = await get('/workspace/alice/port/4000/');
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ error: { code: 'port_not_registered' } });
    });

    it('are placed before the IDE fallback inside the workspace subroute', async () => {
      const route = (await edge.router.list()).find((r) => r['@id'] === 'workspace-alice');
      const subroute = route?.handle?.[0];
      const inner = subroute?.handler === 'subroute' ? subroute.routes : [];
      expect(inner.map((r) => r['@id'] ?? '')).toEqual(['', 'workspace-alice-port-3000', '', '']);
    });

    it('can be removed, after which the port is unregistered (404)', async () => {
      expect(await edge.router.removePort('alice', 3000)).toBe(true);
      expect(await edge.router.removePort('alice', 3000)).toBe(false);
      expect((await get('/workspace/alice/port/3000/')).status).toBe(404);
    });

    it('refuse a port for a workspace without a route', async () => {
      await expect(
        edge.router.putPort({ workspace: 'ghost', port: 3000, upstream: '127.0.0.1:1' }),
      ).rejects.toMatchObject({ code: 'workspace_route_missing' });
    });
  });

  it('removing a workspace gives 404 and removes its port routes with it', async () => {
    await edge.router.putPort({ workspace: 'alice', port: 5173, upstream: ide.address });
    expect((await get('/workspace/alice/port/5173/')).status).toBe(200);
    expect(await edge.router.removeWorkspace('alice')).toBe(true);
    expect((await get('/workspace/alice/')).status).toBe(404);
    expect((await get('/workspace/alice/port/5173/')).status).toBe(404);
    expect(await edge.caddy.admin.getById('workspace-alice-port-5173')).toBeUndefined();
    expect(await edge.router.removeWorkspace('alice')).toBe(false);
  });

  it('sync adds, updates and removes in one guarded write and leaves right routes alone', async () => {
    await edge.router.putWorkspace({ name: 'keep', upstream: ide.address });
    await edge.router.putWorkspace({ name: 'stale', upstream: ide.address });
    await edge.router.putWorkspace({ name: 'moved', upstream: '127.0.0.1:1' });
    const result = await edge.router.sync([
      { name: 'keep', upstream: ide.address },
      { name: 'moved', upstream: ide.address },
      { name: 'fresh', upstream: ide.address },
    ]);
    expect(result).toEqual({
      added: ['workspace-fresh'],
      updated: ['workspace-moved'],
      removed: ['workspace-stale'],
      unchanged: ['workspace-keep'],
    });
    expect((await get('/workspace/moved/')).status).toBe(200);
    expect((await get('/workspace/fresh/')).status).toBe(200);
    expect((await get('/workspace/stale/')).status).toBe(404);
    const again = await edge.router.sync([
      { name: 'keep', upstream: ide.address },
      { name: 'moved', upstream: ide.address },
      { name: 'fresh', upstream: ide.address },
    ]);
    expect(again.unchanged.sort()).toEqual(['workspace-fresh', 'workspace-keep', 'workspace-moved']);
  });

  it('sync leaves routes named in keep alone, present or not', async () => {
    await edge.router.putWorkspace({ name: 'busy', upstream: ide.address });
    const result = await edge.router.sync([], { keep: ['busy', 'ghost'] });
    expect(result.unchanged).toEqual(['workspace-busy']);
    expect((await get('/workspace/busy/')).status).toBe(200);
    expect((await get('/workspace/keep/')).status).toBe(404);
  });
});
