import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORKSPACES_CONTAINER_ID } from '../builders/bootstrap.js';
import { tableOf, type WorkspaceTable, withTable } from '../builders/workspace-table.js';
import type { SubrouteHandler } from '../config/types.js';
import { startTestEdge, type TestEdge } from '../testing/edge-fixture.js';
import { freePort } from '../testing/free-port.js';
import { startTestGate, type TestGate } from '../testing/test-gate.js';
import { type EchoUpstream, startEchoUpstream } from '../testing/upstream.js';

/*
 * Every workspace here sits behind the guest's real gate: code-server is `ide`; guest port 3000 is
 * an app started and stopped by the tests, 5000 a streaming app, 5173 `ide` again.
 */
let edge: TestEdge;
let ide: EchoUpstream;
let gate: TestGate;
let appPort: number;
let streamPort: number;
beforeAll(async () => {
  edge = await startTestEdge();
  ide = await startEchoUpstream({ name: 'ide' });
  [appPort, streamPort] = [await freePort(), await freePort()];
  gate = await startTestGate({
    codeServer: ide.address,
    ports: { 3000: `127.0.0.1:${appPort}`, 5000: `127.0.0.1:${streamPort}`, 5173: ide.address },
  });
});
afterAll(async () => {
  await gate?.close();
  await ide?.close();
  await edge?.close();
});

/** The route of workspace `name` through the test gate (or another `upstream`). */
const route = (name: string, upstream?: string, ports?: number[]) => ({
  name,
  upstream: upstream ?? gate.address,
  gateSecret: gate.secret,
  owner: 'alice',
  ...(ports ? { ports: ports.map((port) => ({ port })) } : {}),
});

/**
 * Every config change makes Caddy retire the old server instance and close its idle keep-alive
 * connections; a pooled connection can be closed just as fetch reuses it (browsers retry that
 * silently, undici does not). One connection per request keeps the assertions about routing.
 */
async function get(path: string, init: RequestInit = {}): Promise<Response> {
  const send = () =>
    fetch(`${edge.workspacesUrl}${path}`, {
      redirect: 'manual',
      ...init,
      headers: { ...edge.authHeader(), Connection: 'close', ...init.headers },
    });
  try {
    return await send();
  } catch (error) {
    // Right after a change, the retiring server can still reset a fresh connection (see the
    // README's known issues), or close it before answering (undici: UND_ERR_SOCKET, "other side
    // closed"); a GET is safe to send again, and a second reset is a failure.
    const code = (error as { cause?: { code?: string } }).cause?.code;
    if (code !== 'ECONNRESET' && code !== 'UND_ERR_SOCKET') throw error;
    return send();
  }
}

describe('workspace routes on the real Caddy', () => {
  it('proxies with the prefix stripped and X-Forwarded-Prefix set, keeping no credentials', async () => {
    await edge.router.putWorkspace(route('alice'));
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

  it('does not let one workspace prefix match another, and says which workspace is unknown', async () => {
    const res = await get('/workspace/alice2/');
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({
      error: { code: 'not_found', message: expect.stringContaining('alice2') },
    });
    expect((await get('/workspace/alicex')).status).toBe(404);
    expect((await get('/workspace/ALICE/')).status).toBe(404);
  });

  it('is idempotent: putting the same workspace twice leaves one route', async () => {
    await edge.router.putWorkspace(route('alice'));
    const names = (await edge.router.list()).map((r) => r.name);
    expect(names.filter((name) => name === 'alice')).toHaveLength(1);
    expect(await edge.caddy.admin.getById('ws.alice')).toMatchObject({
      value: { input: 'alice', outputs: [gate.address, gate.secret, 'alice', '', '', '', '', ''] },
    });
  });

  describe('port routes', () => {
    beforeAll(async () => {
      await edge.router.putPort({ workspace: 'alice', port: 3000 });
      // For a moment after a change, the retiring server instance can still accept a connection and
      // answer it with the old config (its SO_REUSEPORT socket is closed after the new one opens).
      const deadline = Date.now() + 5_000;
      while ((await get('/workspace/alice/port/3000/')).status === 404 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
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

    it('tell a browser how to register an unregistered port, in a page that echoes only a numeric port', async () => {
      const html = await get('/workspace/alice/port/4000/', {
        headers: { accept: 'text/html,application/xhtml+xml' },
      });
      expect(html.status).toBe(404);
      expect(html.headers.get('content-type')).toBe('text/html; charset=utf-8');
      const page = await html.text();
      expect(page).toContain('<title>Port 4000 is not forwarded</title>');
      expect(page).toContain('<b>alice</b> does not forward port 4000');
      expect(page).toContain(
        '<code>POST /api/workspaces/alice/ports</code> with the body <code>&#123;"port": 4000&#125;</code>',
      );
      expect(page).toContain('the Rockpool dashboard');
      const odd = await get('/workspace/alice/port/%3Cb%3E/', { headers: { accept: 'text/html' } });
      expect(odd.status).toBe(404);
      expect(odd.headers.get('content-type')).toBe('application/json');
      expect(await odd.json()).toMatchObject({ error: { code: 'port_not_registered' } });
    });

    it('are listed with their workspace and live in its entry (addressable by its id)', async () => {
      const listed = (await edge.router.list()).find((r) => r.name === 'alice');
      expect(listed?.ports).toEqual([{ port: 3000, sharing: 'private' }]);
      const entry = await edge.caddy.admin.getById<{ outputs: string[] }>('ws.alice');
      expect(entry?.value.outputs.slice(3)).toEqual(['3000:private', '', '', '', '']);
    });

    it('belong to their workspace only, and /port without a number or /portal are not ports', async () => {
      await edge.router.putWorkspace(route('bob'));
      const other = await get('/workspace/bob/port/3000/');
      expect(other.status).toBe(404);
      expect(await other.json()).toMatchObject({ error: { code: 'port_not_registered' } });
      expect((await get('/workspace/alice/port/')).status).toBe(404);
      expect((await get('/workspace/alice/port/03000/')).status).toBe(404);
      const portal = await get('/workspace/alice/portal/');
      expect(portal.headers.get('x-upstream')).toBe('ide');
      expect(((await portal.json()) as { url: string }).url).toBe('/portal/');
      expect(await edge.router.removeWorkspace('bob')).toBe(true);
    });

    it('survive two writers adding ports at once (If-Match, retried), and a sixth is refused', async () => {
      const ports = [4101, 4102, 4103, 4104];
      await Promise.all(ports.map((port) => edge.router.putPort({ workspace: 'alice', port })));
      const alice = (await edge.router.list()).find((r) => r.name === 'alice');
      expect(alice?.ports?.map((p) => p.port).sort()).toEqual([3000, ...ports]);
      await expect(edge.router.putPort({ workspace: 'alice', port: 4105 })).rejects.toThrow(/at most 5/);
      // Re-sharing a port a full workspace already has is no sixth port.
      await edge.router.putPort({ workspace: 'alice', port: 4104, sharing: 'authenticated' });
      for (const port of ports) expect(await edge.router.removePort('alice', port)).toBe(true);
      expect(await edge.router.removePort('alice', 4105)).toBe(false);
    });

    it('can be removed, after which the port is unregistered (404)', async () => {
      expect(await edge.router.removePort('alice', 3000)).toBe(true);
      expect(await edge.router.removePort('alice', 3000)).toBe(false);
      expect((await get('/workspace/alice/port/3000/')).status).toBe(404);
    });

    it('refuse a port for a workspace without a route', async () => {
      await expect(edge.router.putPort({ workspace: 'ghost', port: 3000 })).rejects.toMatchObject({
        code: 'workspace_route_missing',
      });
    });
  });

  it('streams a response of unknown length (and server-sent events) as the app writes it', async () => {
    // Without flush_interval, Caddy buffers only responses of known length. If it buffered this one,
    // the first chunk would never arrive before the release and the test would time out.
    const unfinished: (() => void)[] = [];
    const app = createServer((req, res) => {
      const type = req.url?.endsWith('/events') ? 'text/event-stream' : 'text/plain';
      res.writeHead(200, { 'Content-Type': type });
      res.write('data: first\n\n');
      unfinished.push(() => res.end('data: last\n\n'));
    });
    await new Promise<void>((resolve) => app.listen(streamPort, '127.0.0.1', resolve));
    try {
      await edge.router.putWorkspace(route('stream', undefined, [5000]));
      for (const path of ['/workspace/stream/port/5000/progress', '/workspace/stream/port/5000/events']) {
        const res = await get(path);
        const reader = (res.body as ReadableStream<Uint8Array>).getReader();
        const first = await reader.read();
        expect(new TextDecoder().decode(first.value)).toBe('data: first\n\n');
        unfinished.shift()?.();
        let rest = '';
        for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read())
          rest += new TextDecoder().decode(chunk.value);
        expect(rest).toBe('data: last\n\n');
      }
    } finally {
      app.closeAllConnections();
      await new Promise((resolve) => app.close(resolve));
      await edge.router.removeWorkspace('stream');
    }
  });

  it('removing a workspace gives 404 and removes its port routes with it', async () => {
    await edge.router.putPort({ workspace: 'alice', port: 5173 });
    expect((await get('/workspace/alice/port/5173/')).status).toBe(200);
    expect(await edge.router.removeWorkspace('alice')).toBe(true);
    expect((await get('/workspace/alice/')).status).toBe(404);
    expect((await get('/workspace/alice/port/5173/')).status).toBe(404);
    expect(await edge.caddy.admin.getById('ws.alice')).toBeUndefined();
    expect(await edge.router.removeWorkspace('alice')).toBe(false);
  });

  it('sync adds, updates and removes in one guarded write and leaves right routes alone', async () => {
    await edge.router.putWorkspace(route('keep'));
    await edge.router.putWorkspace(route('stale'));
    await edge.router.putWorkspace(route('moved', '127.0.0.1:1'));
    const result = await edge.router.sync([route('keep'), route('moved'), route('fresh')]);
    expect(result).toEqual({
      added: ['ws.fresh'],
      updated: ['ws.moved'],
      removed: ['ws.stale'],
      unchanged: ['ws.keep'],
    });
    expect((await get('/workspace/moved/')).status).toBe(200);
    expect((await get('/workspace/fresh/')).status).toBe(200);
    expect((await get('/workspace/stale/')).status).toBe(404);
    const again = await edge.router.sync([route('keep'), route('moved'), route('fresh')]);
    expect(again.unchanged.sort()).toEqual(['ws.fresh', 'ws.keep', 'ws.moved']);
  });

  it('sync leaves routes named in keep alone, present or not', async () => {
    await edge.router.putWorkspace(route('busy'));
    const result = await edge.router.sync([], { keep: ['busy', 'ghost'] });
    expect(result.unchanged).toEqual(['ws.busy']);
    expect((await get('/workspace/busy/')).status).toBe(200);
    expect((await get('/workspace/keep/')).status).toBe(404);
  });

  it("a workspace named like another one's port route: both are routed, each under its own id", async () => {
    const other = await startEchoUpstream({ name: 'other' });
    const otherGate = await startTestGate({ codeServer: other.address });
    try {
      await edge.router.putWorkspace(route('a'));
      await edge.router.putPort({ workspace: 'a', port: 5173 });
      await edge.router.putWorkspace({
        name: 'a-port-5173',
        upstream: otherGate.address,
        gateSecret: otherGate.secret,
        owner: 'alice',
      });
      expect((await get('/workspace/a/port/5173/')).headers.get('x-upstream')).toBe('ide');
      expect((await get('/workspace/a-port-5173/')).headers.get('x-upstream')).toBe('other');
      // Caddy takes dotted ids in /id/ paths.
      expect(await edge.caddy.admin.getById('ws.a')).toMatchObject({ value: { input: 'a' } });
      expect(await edge.caddy.admin.getById('ws.a-port-5173')).toMatchObject({
        value: { input: 'a-port-5173' },
      });
    } finally {
      await edge.router.removeWorkspace('a');
      await edge.router.removeWorkspace('a-port-5173');
      await otherGate.close();
      await other.close();
    }
  });

  it('sync replaces the ids and the shape an older Rockpool wrote', async () => {
    const old = (table: WorkspaceTable): WorkspaceTable => [
      ...table,
      {
        '@id': 'workspace-legacy',
        input: 'legacy',
        outputs: [gate.address, gate.secret, 'alice', '5173:private', '', '', '', ''],
      },
    ];
    await edge.caddy.admin.update<SubrouteHandler>({ id: WORKSPACES_CONTAINER_ID }, (container) =>
      withTable(container, old(tableOf(container))),
    );
    expect(await edge.caddy.admin.getById('workspace-legacy')).toBeDefined();
    const wanted = route('legacy', undefined, [5173]);
    const others = (await edge.router.list()).filter((route) => route.name !== 'legacy');
    const result = await edge.router.sync([...others, wanted]);
    expect(result.updated).toEqual(['ws.legacy']);
    expect(await edge.caddy.admin.getById('workspace-legacy')).toBeUndefined();
    expect(await edge.caddy.admin.getById('ws.legacy')).toBeDefined();
    expect((await get('/workspace/legacy/port/5173/')).status).toBe(200);
    expect((await edge.router.sync([...others, wanted])).updated).toEqual([]);
    await edge.router.removeWorkspace('legacy');
  });
});
