import { hashPassword } from '@rockpool/caddy';
import type { WorkspaceAddressing } from '@rockpool/model';
import { beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../app.js';
import { Sessions } from '../auth/sessions.js';
import { WorkspaceService } from '../service.js';
import { useTempDatabase } from '../temp-database.fixture.js';

const limits = { defaultCpus: 1, maxCpus: 1, defaultMemoryMiB: 512, minMemoryMiB: 512, maxMemoryMiB: 512 };
const SUBDOMAIN: WorkspaceAddressing = {
  mode: 'subdomain',
  scheme: 'http',
  domain: 'ws.rockpool.localhost',
  port: 8081,
};
const temp = useTempDatabase('rockpool-session-');

function appFor(workspaces: WorkspaceAddressing, controlPlaneHost?: string) {
  return createApp({
    service: new WorkspaceService(temp.stores),
    limits,
    workspaces,
    ...(controlPlaneHost ? { controlPlaneHost } : {}),
    sessions: new Sessions(temp.stores.users, { signingKey: 'k'.repeat(64) }),
  });
}

beforeEach(async () => {
  temp.stores.users.add({
    name: 'alice',
    role: 'member',
    passwordHash: await hashPassword('alice-password-1', 4),
  });
});

const controlPlane = { Host: 'rockpool.localhost:8080', 'Content-Type': 'application/json' };
const signIn = (app: ReturnType<typeof appFor>) =>
  app.request('/api/session', {
    method: 'POST',
    headers: controlPlane,
    body: JSON.stringify({ username: 'alice', password: 'alice-password-1' }),
  });

describe('the session cookie', () => {
  it('is host-only in path mode', async () => {
    const res = await signIn(appFor({ mode: 'path', origin: 'http://localhost:8081' }, 'localhost'));
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toMatch(
      /^access_token=[^;]+; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Lax$/,
    );
  });

  it('covers the control plane and every workspace host in subdomain mode, and sign-out clears both scopes', async () => {
    const app = appFor(SUBDOMAIN, 'rockpool.localhost');
    const res = await signIn(app);
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toMatch(/; HttpOnly; SameSite=Lax; Domain=rockpool\.localhost$/);
    const out = await app.request('/api/session', { method: 'DELETE', headers: controlPlane });
    expect(out.status).toBe(204);
    expect(out.headers.getSetCookie()).toEqual([
      'access_token=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax; Domain=rockpool.localhost',
      'access_token=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax',
    ]);
  });

  it('follows the mode the edge says, from the Host of the request when none is configured', async () => {
    const res = await appFor({ mode: 'path', origin: 'http://localhost:8081' }).request('/api/session', {
      method: 'POST',
      headers: { ...controlPlane, 'X-Rockpool-Workspaces-Origin': 'http://*.ws.rockpool.localhost:8081' },
      body: JSON.stringify({ username: 'alice', password: 'alice-password-1' }),
    });
    expect(res.headers.get('set-cookie')).toMatch(/; Domain=rockpool\.localhost$/);
  });

  it('is refused with a 500 naming the hosts to use when no cookie can cover both', async () => {
    const res = await signIn(appFor(SUBDOMAIN, 'localhost'));
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ error: { code: 'session_cookie_domain' } });
    expect(res.headers.get('set-cookie')).toBeNull();
  });
});

/** The hidden field of the sign-in form: where the browser goes once signed in. */
async function redirectOf(app: ReturnType<typeof appFor>, wanted: string): Promise<string> {
  const res = await app.request(`/auth/?redirect_url=${encodeURIComponent(wanted)}`, {
    headers: controlPlane,
  });
  expect(res.status).toBe(200);
  const value = /name="redirect_url" value="([^"]*)"/.exec(await res.text())?.[1] ?? '';
  return value.replace(/&#(\d+);/g, (_, code) => String.fromCharCode(Number(code)));
}

describe('the sign-in page', () => {
  const app = () => appFor(SUBDOMAIN, 'rockpool.localhost');

  it.each([
    '/app/workspaces',
    'http://rockpool.localhost:8080/app/',
    'http://alice.ws.rockpool.localhost:8081/?folder=/home/coder',
    'http://3000--alice.ws.rockpool.localhost:8081/api/items',
  ])('sends the browser back to %s: the control plane or a workspace host', async (wanted) => {
    expect(await redirectOf(app(), wanted)).toBe(wanted);
  });

  it.each([
    'http://evil.example/',
    '//evil.example/',
    '/\\evil.example/',
    'http://alice.ws.rockpool.localhost.evil.example:8081/',
    'http://alice.ws.rockpool.localhost:9999/',
    'https://alice.ws.rockpool.localhost:8081/',
    'http://ws.rockpool.localhost:8081/',
    'http://a.b.ws.rockpool.localhost:8081/',
    'http://localhost:8081/workspace/alice/',
    'javascript:alert(1)',
  ])('sends the browser to the dashboard instead of %s', async (wanted) => {
    expect(await redirectOf(app(), wanted)).toBe('/app/');
  });

  // Chromium applies form-action to the redirect after the form's POST: a policy of 'self' alone
  // kept the browser on the sign-in page when it came from a workspace host.
  it.each([
    [
      'http://alice.ws.rockpool.localhost:8081/',
      "form-action 'self' http://alice.ws.rockpool.localhost:8081;",
    ],
    [
      'http://3000--alice.ws.rockpool.localhost:8081/x',
      "form-action 'self' http://3000--alice.ws.rockpool.localhost:8081;",
    ],
    ['/app/workspaces', "form-action 'self';"],
    ['http://evil.example/', "form-action 'self';"],
  ])('lets its form lead to %s and nowhere else', async (wanted, formAction) => {
    const res = await app().request(`/auth/?redirect_url=${encodeURIComponent(wanted)}`, {
      headers: controlPlane,
    });
    expect(res.headers.get('content-security-policy')).toContain(formAction);
  });

  it('lets its form lead to the workspace origin in path mode', async () => {
    const res = await appFor({ mode: 'path', origin: 'http://localhost:8081' }, 'localhost').request(
      `/auth/?redirect_url=${encodeURIComponent('http://localhost:8081/workspace/alice/')}`,
      { headers: { Host: 'localhost:8080' } },
    );
    expect(res.headers.get('content-security-policy')).toContain("form-action 'self' http://localhost:8081;");
  });

  it('redirects to the workspace host once signed in', async () => {
    const res = await app().request('/auth/', {
      method: 'POST',
      headers: { Host: 'rockpool.localhost:8080', 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        username: 'alice',
        password: 'alice-password-1',
        redirect_url: 'http://alice.ws.rockpool.localhost:8081/',
      }).toString(),
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('http://alice.ws.rockpool.localhost:8081/');
    expect(res.headers.get('set-cookie')).toMatch(/; Domain=rockpool\.localhost$/);
  });
});
