import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEdge, type TestEdge } from '../testing/edge-fixture.js';

let edge: TestEdge;
beforeAll(async () => {
  edge = await startTestEdge();
});
afterAll(() => edge?.close());

describe('bootstrap config on the real Caddy', () => {
  it('serves /api/health without credentials and passes no identity', async () => {
    const res = await fetch(`${edge.controlPlaneUrl}/api/health`);
    expect(res.status).toBe(200);
    const seen = (await res.json()) as { url: string; headers: Record<string, string> };
    expect(seen.url).toBe('/api/health');
    expect(seen.headers['x-rockpool-user']).toBeUndefined();
  });

  it.each(['/api/workspaces', '/app/', '/app', '/'])(
    'answers 401 on srv0 %s without credentials',
    async (path) => {
      const res = await fetch(`${edge.controlPlaneUrl}${path}`, { redirect: 'manual' });
      expect(res.status).toBe(401);
      // No basic-auth prompt: a browser's fetch would open one over the dashboard.
      expect(res.headers.get('www-authenticate')).toBeNull();
      expect(await res.json()).toMatchObject({ error: { code: 'unauthorized' } });
    },
  );

  it('sends a browser without a session to the sign-in page, from either server', async () => {
    const html = { Accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };
    const app = await fetch(`${edge.controlPlaneUrl}/app/`, { headers: html, redirect: 'manual' });
    expect(app.status).toBe(302);
    expect(app.headers.get('location')).toBe(
      `/auth/?redirect_url=${encodeURIComponent(`${edge.controlPlaneUrl}/app/`)}`,
    );
    const ide = await fetch(`${edge.workspacesUrl}/workspace/w/?folder=/src`, {
      headers: html,
      redirect: 'manual',
    });
    expect(ide.status).toBe(302);
    const location = new URL(ide.headers.get('location') ?? '');
    expect(location.origin + location.pathname).toBe(`${edge.controlPlaneUrl}/auth/`);
    expect(location.searchParams.get('redirect_url')).toBe(`${edge.workspacesUrl}/workspace/w/?folder=/src`);
  });

  it('takes basic auth on srv0 only: the workspace server takes no password', async () => {
    const api = await fetch(`${edge.controlPlaneUrl}/api/workspaces`, { headers: edge.basicAuthHeader() });
    expect(api.status).toBe(200);
    expect(((await api.json()) as { headers: Record<string, string> }).headers['x-rockpool-user']).toBe(
      'alice',
    );
    const ide = await fetch(`${edge.workspacesUrl}/workspace/nope/`, { headers: edge.basicAuthHeader() });
    expect(ide.status).toBe(401);
    expect(ide.headers.get('www-authenticate')).toBeNull();
  });

  it('takes the session from the cookie on both servers', async () => {
    const cookie = { Cookie: edge.sessionCookie() };
    const api = await fetch(`${edge.controlPlaneUrl}/api/workspaces`, { headers: cookie });
    expect(((await api.json()) as { headers: Record<string, string> }).headers['x-rockpool-user']).toBe(
      'alice',
    );
    expect((await fetch(`${edge.workspacesUrl}/workspace/nope/`, { headers: cookie })).status).toBe(404);
    // Another user's name under alice's signature is no session.
    const [name, header, payload, signature] = edge.sessionCookie().split(/[=.]/) as string[];
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString());
    const bob = Buffer.from(JSON.stringify({ ...claims, sub: 'bob' })).toString('base64url');
    const forged = `${name}=${header}.${bob}.${signature}`;
    expect(
      (await fetch(`${edge.workspacesUrl}/workspace/nope/`, { headers: { Cookie: forged } })).status,
    ).toBe(401);
  });

  it('answers 401 with a wrong password', async () => {
    const res = await fetch(`${edge.controlPlaneUrl}/api/workspaces`, {
      headers: { Authorization: `Basic ${Buffer.from('alice:wrong').toString('base64')}` },
    });
    expect(res.status).toBe(401);
  });

  it.each(['/api/workspaces', '/app/', '/app/assets/index.js'])(
    'proxies %s with credentials, naming the user',
    async (path) => {
      const res = await fetch(`${edge.controlPlaneUrl}${path}`, { headers: edge.authHeader() });
      expect(res.status).toBe(200);
      const seen = (await res.json()) as { url: string; headers: Record<string, string> };
      expect(seen.url).toBe(path);
      expect(seen.headers['x-rockpool-user']).toBe('alice');
      expect(seen.headers.authorization).toBeUndefined();
    },
  );

  it('tells the control plane where the workspaces are, overriding a client-sent value', async () => {
    const res = await fetch(`${edge.controlPlaneUrl}/api/workspaces`, {
      headers: { ...edge.authHeader(), 'X-Rockpool-Workspaces-Origin': 'http://evil.example:9' },
    });
    const seen = (await res.json()) as { headers: Record<string, string> };
    expect(seen.headers['x-rockpool-workspaces-origin']).toBe(edge.workspacesUrl);
  });

  it('does not let a client forge the identity header', async () => {
    const res = await fetch(`${edge.controlPlaneUrl}/api/workspaces`, {
      headers: { ...edge.authHeader(), 'X-Rockpool-User': 'mallory' },
    });
    const seen = (await res.json()) as { headers: Record<string, string> };
    expect(seen.headers['x-rockpool-user']).toBe('alice');
  });

  it('redirects / to the dashboard', async () => {
    const res = await fetch(`${edge.controlPlaneUrl}/`, { headers: edge.authHeader(), redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/app/');
  });

  it('answers 404 with JSON outside /api and /app', async () => {
    const res = await fetch(`${edge.controlPlaneUrl}/elsewhere`, { headers: edge.authHeader() });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: 'not_found' } });
  });

  it('answers 401 on srv1 without credentials and 404 for an unknown workspace with them', async () => {
    expect((await fetch(`${edge.workspacesUrl}/workspace/nope/`)).status).toBe(401);
    const res = await fetch(`${edge.workspacesUrl}/workspace/nope/`, { headers: edge.authHeader() });
    expect(res.status).toBe(404);
  });

  describe('cross-origin state changes', () => {
    const workspaceOrigin = () => edge.workspacesUrl;

    it('refuses a POST whose Origin is another origin (the workspace port)', async () => {
      const before = edge.controlPlane.requests.length;
      const res = await fetch(`${edge.controlPlaneUrl}/api/workspaces`, {
        method: 'POST',
        headers: { ...edge.authHeader(), Origin: workspaceOrigin(), 'Content-Type': 'application/json' },
        body: '{"name":"x"}',
      });
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ error: { code: 'cross_origin_request' } });
      expect(edge.controlPlane.requests.length).toBe(before);
    });

    it('refuses a DELETE marked Sec-Fetch-Site: same-site even without Origin', async () => {
      const res = await fetch(`${edge.controlPlaneUrl}/api/workspaces/1`, {
        method: 'DELETE',
        headers: { ...edge.authHeader(), 'Sec-Fetch-Site': 'same-site' },
      });
      expect(res.status).toBe(403);
    });

    it('refuses Origin: null', async () => {
      const res = await fetch(`${edge.controlPlaneUrl}/api/workspaces`, {
        method: 'POST',
        headers: { ...edge.authHeader(), Origin: 'null' },
      });
      expect(res.status).toBe(403);
    });

    it('accepts a POST from the control plane origin', async () => {
      const res = await fetch(`${edge.controlPlaneUrl}/api/workspaces`, {
        method: 'POST',
        headers: { ...edge.authHeader(), Origin: edge.controlPlaneUrl, 'Sec-Fetch-Site': 'same-origin' },
        body: '{}',
      });
      expect(res.status).toBe(200);
    });

    it('accepts a POST without browser headers (curl, the CLI)', async () => {
      const res = await fetch(`${edge.controlPlaneUrl}/api/workspaces`, {
        method: 'POST',
        headers: edge.authHeader(),
        body: '{}',
      });
      expect(res.status).toBe(200);
    });

    it('lets cross-origin GETs through (reads are not state changes; CORS keeps them unreadable)', async () => {
      const res = await fetch(`${edge.controlPlaneUrl}/api/workspaces`, {
        headers: { ...edge.authHeader(), Origin: workspaceOrigin(), 'Sec-Fetch-Site': 'same-site' },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    });
  });
});
