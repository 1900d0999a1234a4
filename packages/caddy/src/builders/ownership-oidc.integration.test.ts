import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WorkspaceRouter } from '../admin/workspace-router.js';
import type { CaddyProcess } from '../process/caddy-process.js';
import { CookieJarClient } from '../testing/cookie-jar.js';
import { OIDC_REALM as REALM, startOidcEdge } from '../testing/oidc-edge.js';
import { startTestOidcProvider, type TestOidcProvider } from '../testing/oidc-provider.js';
import { startTestGate, type TestGate } from '../testing/test-gate.js';
import { type EchoUpstream, startEchoUpstream } from '../testing/upstream.js';
import { SESSION_COOKIE } from './edge-auth.js';

/*
 * Ownership at the edge with OIDC sign-in (caddy-security's generic driver, the local provider):
 * the owner the edge compares is the token's subject, which is also what srv0 tells the control
 * plane in X-Rockpool-User, and so what the server records as a new workspace's owner.
 */

let provider: TestOidcProvider;
let controlPlane: EchoUpstream;
let ide: EchoUpstream;
let app: EchoUpstream;
let gate: TestGate;
let dataDir: string;
let caddy: CaddyProcess;
let srv0 = '';
let srv1 = '';

beforeAll(async () => {
  provider = await startTestOidcProvider();
  controlPlane = await startEchoUpstream({ name: 'control-plane' });
  ide = await startEchoUpstream({ name: 'ide' });
  app = await startEchoUpstream({ name: 'app' });
  gate = await startTestGate({ codeServer: ide.address, otherPorts: app.address });
  dataDir = await mkdtemp(join(tmpdir(), 'rockpool-ownership-oidc-'));
  const edge = await startOidcEdge({
    provider,
    controlPlaneUpstream: controlPlane.address,
    dataDir,
    allow: ['alice', 'bob'],
    portalUrl: true,
  });
  caddy = edge.caddy;
  srv0 = edge.controlPlaneUrl;
  srv1 = edge.workspacesUrl;
});

afterAll(async () => {
  await caddy?.stop();
  await provider?.close();
  await controlPlane?.close();
  await gate?.close();
  await ide?.close();
  await app?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** Signs in at the provider as `sub`; returns the client holding the session cookie. */
async function signIn(sub: string): Promise<CookieJarClient> {
  provider.account = { sub, email: `${sub}@example.test` };
  const client = new CookieJarClient();
  await (await client.get(`${srv0}/auth/oauth2/${REALM}`)).res.arrayBuffer();
  expect(client.cookies.get(SESSION_COOKIE)).toBeTruthy();
  return client;
}

/** The owner as the control plane records it: X-Rockpool-User of the user's API request. */
async function recordedOwner(client: CookieJarClient): Promise<string> {
  const res = await client.request(`${srv0}/api/workspaces`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: '{}',
  });
  await res.arrayBuffer();
  return String(controlPlane.requests.at(-1)?.headers['x-rockpool-user']);
}

const answer = async (res: Response) => ({ status: res.status, body: await res.text() });

describe('ownership at the edge (OIDC sign-in)', () => {
  let alice: CookieJarClient;
  let bob: CookieJarClient;

  beforeAll(async () => {
    alice = await signIn('alice');
    bob = await signIn('bob');
    // The workspace belongs to whoever created it through the API, as the server records it.
    await new WorkspaceRouter(caddy.admin).putWorkspace({
      name: 'demo',
      upstream: gate.address,
      gateSecret: gate.secret,
      owner: await recordedOwner(alice),
      ports: [{ port: 3000 }, { port: 3001, sharing: 'authenticated' }],
    });
  });

  it('lets the owner into her IDE and private port', async () => {
    const res = await alice.request(`${srv1}/workspace/demo/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-upstream')).toBe('ide');
    expect((await alice.request(`${srv1}/workspace/demo/port/3000/`)).headers.get('x-upstream')).toBe('app');
  });

  it('answers bob as for an unknown workspace: her IDE, her IDE WebSocket, her private port', async () => {
    const unknown = await answer(await bob.request(`${srv1}/workspace/ghost/`));
    const expected = { status: 404, body: unknown.body.replace('ghost', 'demo') };
    expect(await answer(await bob.request(`${srv1}/workspace/demo/`))).toEqual(expected);
    expect(await answer(await bob.request(`${srv1}/workspace/demo/port/3000/`))).toEqual(expected);
    const before = ide.requests.length;
    const status = await new Promise<number>((resolve, reject) => {
      const socket = new WebSocket(`${srv1.replace('http', 'ws')}/workspace/demo/socket`, {
        headers: { Cookie: `${SESSION_COOKIE}=${bob.cookies.get(SESSION_COOKIE)}` },
      });
      socket.once('open', () => reject(new Error('bob opened a WebSocket to the IDE of alice')));
      socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      socket.once('error', reject);
    });
    expect(status).toBe(404);
    expect(ide.requests.length).toBe(before);
  });

  it('lets bob reach the port she shares with signed-in users', async () => {
    const res = await bob.request(`${srv1}/workspace/demo/port/3001/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-upstream')).toBe('app');
    expect(app.requests.at(-1)?.headers.cookie ?? '').not.toContain(SESSION_COOKIE);
  });
});
