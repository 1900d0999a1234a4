import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WorkspaceRouter } from '../admin/workspace-router.js';
import type { CaddyProcess } from '../process/caddy-process.js';
import { CookieJarClient } from '../testing/cookie-jar.js';
import { OIDC_REALM as REALM, startOidcEdge } from '../testing/oidc-edge.js';
import { startTestOidcProvider, type TestOidcProvider } from '../testing/oidc-provider.js';
import { TEST_GATE_SECRET } from '../testing/test-gate.js';
import { type EchoUpstream, type SeenRequest, startEchoUpstream } from '../testing/upstream.js';
import { SESSION_COOKIE } from './edge-auth.js';

const SIGNING_KEY = 'signing-key-for-tests-0123456789abcdef';

let provider: TestOidcProvider;
let controlPlane: EchoUpstream;
let workspace: EchoUpstream;
let dataDir: string;
let caddy: CaddyProcess | undefined;
let srv0 = '';
let srv1 = '';

async function startEdge(signingKey: string): Promise<void> {
  const edge = await startOidcEdge({
    provider,
    controlPlaneUpstream: controlPlane.address,
    dataDir,
    allow: ['alice'],
    signingKey,
    portalUrl: true,
  });
  caddy = edge.caddy;
  srv0 = edge.controlPlaneUrl;
  srv1 = edge.workspacesUrl;
  await new WorkspaceRouter(caddy.admin).putWorkspace({
    name: 'demo',
    upstream: workspace.address,
    gateSecret: TEST_GATE_SECRET,
    owner: 'alice',
  });
}

async function stopEdge(): Promise<void> {
  await caddy?.stop();
  caddy = undefined;
}

/** Logs in at the provider as `sub` and comes back with the portal's session cookie. */
async function login(sub: string): Promise<CookieJarClient> {
  provider.account = { sub, email: `${sub}@example.test` };
  const client = new CookieJarClient();
  const before = provider.tokensIssued();
  await (await client.get(`${srv0}/auth/oauth2/${REALM}`)).res.arrayBuffer();
  expect(provider.tokensIssued()).toBe(before + 1);
  expect(client.cookies.get(SESSION_COOKIE)).toBeTruthy();
  return client;
}

const lastSeen = (upstream: EchoUpstream): SeenRequest => upstream.requests.at(-1) as SeenRequest;

beforeAll(async () => {
  provider = await startTestOidcProvider();
  controlPlane = await startEchoUpstream({ name: 'control-plane' });
  workspace = await startEchoUpstream({ name: 'workspace' });
  dataDir = await mkdtemp(join(tmpdir(), 'rockpool-oauth-'));
  await startEdge(SIGNING_KEY);
});

afterEach(async () => {
  if (!caddy) await startEdge(SIGNING_KEY);
});

afterAll(async () => {
  await stopEdge();
  await provider?.close();
  await controlPlane?.close();
  await workspace?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('OAuth login through caddy-security (generic OIDC driver, local provider)', () => {
  it('sends an anonymous browser to the portal and refuses anonymous API and workspace calls', async () => {
    const html = { Accept: 'text/html' };
    const app = await fetch(`${srv0}/app/`, { headers: html, redirect: 'manual' });
    expect(app.status).toBe(302);
    expect(app.headers.get('location')).toMatch(/^\/auth\/\?redirect_url=/);
    // Anything but a browser navigation gets 401 JSON, never a redirect to a login page.
    for (const url of [`${srv0}/api/workspaces`, `${srv1}/workspace/demo/`]) {
      const api = await fetch(url, { redirect: 'manual' });
      expect(api.status).toBe(401);
      expect(await api.json()).toMatchObject({ error: { code: 'unauthorized' } });
    }
    // srv1 sends the browser to the portal on the control-plane origin, to come back afterwards.
    const ws = await fetch(`${srv1}/workspace/demo/?folder=/src`, { headers: html, redirect: 'manual' });
    expect(ws.status).toBe(302);
    const location = new URL(ws.headers.get('location') ?? '');
    expect(location.origin + location.pathname).toBe(`${srv0}/auth/`);
    expect(location.searchParams.get('redirect_url')).toBe(`${srv1}/workspace/demo/?folder=/src`);
    expect(controlPlane.requests.length).toBe(0);
    expect(workspace.requests.length).toBe(0);
  });

  it('logs in an allowed user end to end: the control plane and the workspace see the same session', async () => {
    const client = new CookieJarClient();
    provider.account = { sub: 'alice', email: 'alice@example.test' };
    // The dashboard redirects to the portal; the portal to the provider; the provider back to the callback.
    const first = await client.get(`${srv0}/app/`);
    expect(first.res.status).toBe(200); // the portal's login page
    expect(first.url).toContain('/auth/');
    const { res, hops } = await client.get(`${srv0}/auth/oauth2/${REALM}`);
    expect(hops.some((hop) => hop.startsWith(`${provider.issuer}/authorize`))).toBe(true);
    expect(hops.some((hop) => hop.includes(`/auth/oauth2/${REALM}/authorization-code-callback`))).toBe(true);
    await res.arrayBuffer();
    expect(client.cookies.get(SESSION_COOKIE)).toBeTruthy();
    // Host-only, Lax, HttpOnly even over plain HTTP (a script on :8081 must not read it).
    const issued = client.setCookies.find((line) => line.startsWith(`${SESSION_COOKIE}=ey`)) ?? '';
    expect(issued).toMatch(/; Path=\/;/);
    expect(issued).toMatch(/SameSite=Lax;/);
    expect(issued).toMatch(/HttpOnly;/);
    expect(issued).not.toMatch(/Domain=/);

    const api = await client.request(`${srv0}/api/workspaces`);
    expect(api.status).toBe(200);
    expect(lastSeen(controlPlane).headers['x-rockpool-user']).toBe('alice');

    // The same cookie opens the workspace origin (cookies are not port-scoped), and the session
    // token never reaches the workspace, where untrusted code runs.
    client.cookies.set('workspace_own', 'kept');
    const ide = await client.request(`${srv1}/workspace/demo/`);
    expect(ide.status).toBe(200);
    const seen = lastSeen(workspace);
    expect(seen.headers.cookie ?? '').not.toContain(SESSION_COOKIE);
    expect(seen.headers.cookie ?? '').toContain('workspace_own=kept');
    expect(seen.headers.authorization).toBeUndefined();
  });

  it('logs in from a workspace link and lands back in the workspace', async () => {
    provider.account = { sub: 'alice', email: 'alice@example.test' };
    const client = new CookieJarClient();
    const portal = await client.get(`${srv1}/workspace/demo/`);
    expect(portal.url).toMatch(new RegExp(`^${srv0}/auth/`));
    await portal.res.arrayBuffer();
    const { res, url } = await client.get(`${srv0}/auth/oauth2/${REALM}`);
    expect(url).toBe(`${srv1}/workspace/demo/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-upstream')).toBe('workspace');
    expect(lastSeen(workspace).headers.cookie ?? '').not.toContain(SESSION_COOKIE);
  });

  it('signs in in the real browser from a workspace link and lands back in the workspace', async () => {
    provider.account = { sub: 'alice', email: 'alice@example.test' };
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
    });
    try {
      const page = await browser.newPage();
      await page.goto(`${srv1}/workspace/demo/`);
      expect(page.url()).toMatch(new RegExp(`^${srv0}/auth/`));
      await page.click(`a[href="oauth2/${REALM}"]`);
      await page.waitForURL(`${srv1}/workspace/demo/`);
      expect(JSON.parse((await page.textContent('body')) ?? '{}')).toMatchObject({ url: '/' });
      // The page cannot read the session (HttpOnly), and the workspace never received it.
      expect(await page.evaluate<string>('document.cookie')).not.toContain(SESSION_COOKIE);
      expect(lastSeen(workspace).headers.cookie ?? '').not.toContain(SESSION_COOKIE);
      const api = await page.goto(`${srv0}/api/workspaces`);
      expect(api?.status()).toBe(200);
      expect(lastSeen(controlPlane).headers['x-rockpool-user']).toBe('alice');
    } finally {
      await browser.close();
    }
  });

  it('refuses a user who logged in at the provider but is not on the allow list', async () => {
    const client = await login('mallory');
    const before = controlPlane.requests.length;
    const api = await client.request(`${srv0}/api/workspaces`);
    expect(api.status).toBe(403);
    const ide = await client.request(`${srv1}/workspace/demo/`);
    expect(ide.status).toBe(403);
    expect(controlPlane.requests.length).toBe(before);
  });

  it('refuses a credentialed cross-origin POST carrying the session cookie', async () => {
    const client = await login('alice');
    const before = controlPlane.requests.length;
    const res = await client.request(`${srv0}/api/workspaces`, {
      method: 'POST',
      headers: { Origin: srv1, 'Sec-Fetch-Site': 'same-site', 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: { code: 'cross_origin_request' } });
    expect(controlPlane.requests.length).toBe(before);
    const same = await client.request(`${srv0}/api/workspaces`, {
      method: 'POST',
      headers: { Origin: srv0, 'Sec-Fetch-Site': 'same-origin', 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(same.status).toBe(200);
  });

  it('keeps sessions across a restart with the same signing key, not with another', async () => {
    const client = await login('alice');
    expect((await client.request(`${srv0}/api/workspaces`)).status).toBe(200);

    await stopEdge();
    await startEdge(SIGNING_KEY);
    expect((await client.request(`${srv0}/api/workspaces`)).status).toBe(200);
    expect((await client.request(`${srv1}/workspace/demo/`)).status).toBe(200);

    await stopEdge();
    await startEdge('another-signing-key-that-is-long-enough');
    const res = await client.request(`${srv0}/api/workspaces`);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toMatch(/^\/auth\/\?redirect_url=/);
  });
});
