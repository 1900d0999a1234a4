import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaddyProcess } from '../process/caddy-process.js';
import { edgeRequest } from '../testing/edge-request.js';
import { startOidcEdge } from '../testing/oidc-edge.js';
import { startTestOidcProvider, type TestOidcProvider } from '../testing/oidc-provider.js';
import { type EchoUpstream, startEchoUpstream } from '../testing/upstream.js';

/*
 * The portal's cookies, on the real caddy-security: go-authcrunch gives a cookie the Domain of the
 * request's host minus its first label unless told otherwise (`example.com` for
 * `rockpool.example.com`), which would hand the session to every sibling host. The portal sets
 * the same cookie attributes for its session-id and return-URL cookies as for the session, so one
 * GET with `redirect_url` shows them without the whole OIDC round trip (oauth.integration.test.ts).
 */

let provider: TestOidcProvider;
let controlPlane: EchoUpstream;
let dataDir: string;
const edges: CaddyProcess[] = [];

async function startPortal(cookieDomain?: string): Promise<string> {
  const edge = await startOidcEdge({
    provider,
    controlPlaneUpstream: controlPlane.address,
    dataDir: join(dataDir, String(edges.length)),
    allow: ['alice'],
    ...(cookieDomain ? { cookieDomain } : {}),
  });
  edges.push(edge.caddy);
  return edge.controlPlaneUrl;
}

/** The portal's Set-Cookie lines for a browser on `host`. */
async function portalCookies(url: string, host: string): Promise<string[]> {
  const res = await edgeRequest(`${url}/auth/?redirect_url=${encodeURIComponent(`http://${host}/app/`)}`, {
    headers: { Host: `${host}:${new URL(url).port}`, Accept: 'text/html' },
  });
  const lines = [res.headers['set-cookie'] ?? []].flat();
  expect(lines.length, `${res.status} ${res.body.slice(0, 200)}`).toBeGreaterThan(0);
  return lines;
}

beforeAll(async () => {
  provider = await startTestOidcProvider();
  controlPlane = await startEchoUpstream({ name: 'control-plane' });
  dataDir = await mkdtemp(join(tmpdir(), 'rockpool-oauth-cookie-'));
});

afterAll(async () => {
  for (const caddy of edges) await caddy.stop();
  await provider?.close();
  await controlPlane?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe("the portal's cookie scope", () => {
  it('is host-only without a cookie domain, even on a host with a parent domain', async () => {
    const url = await startPortal();
    const lines = await portalCookies(url, 'rockpool.example.localhost');
    expect(lines.some((line) => line.startsWith('AUTHP_REDIRECT_URL='))).toBe(true);
    for (const line of lines) expect(line).not.toMatch(/Domain=/i);
  });

  it('covers the workspace domain with a cookie domain (subdomain mode)', async () => {
    const url = await startPortal('rockpool.localhost');
    const lines = await portalCookies(url, 'rockpool.localhost');
    // go-authcrunch writes a domain entry's SameSite as given (`lax`); browsers read it in any case.
    expect(lines.find((line) => line.startsWith('AUTHP_REDIRECT_URL='))).toMatch(/SameSite=lax;/i);
    for (const line of lines) {
      expect(line).toMatch(/ Domain=rockpool\.localhost;/);
      // insecureCookie (plain HTTP) holds for the domain's cookies too.
      expect(line).not.toMatch(/Secure/);
    }
  });
});
