import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEdge, type TestEdge } from '../testing/edge-fixture.js';
import { edgeRequest } from '../testing/edge-request.js';
import { startTestGate, type TestGate } from '../testing/test-gate.js';
import { type EchoUpstream, startEchoUpstream } from '../testing/upstream.js';

/*
 * Caddy matches routes on the decoded, cleaned path but forwards the raw one. A raw path whose
 * cleaned form means something else (an encoded slash, a dot segment) must never be routed.
 * These requests go out with their raw request line (fetch would normalise them).
 */
let edge: TestEdge;
let victimIde: EchoUpstream;
let ownIde: EchoUpstream;
let app3000: EchoUpstream;
let app3002: EchoUpstream;
let victimGate: TestGate;
let ownGate: TestGate;
beforeAll(async () => {
  edge = await startTestEdge();
  [victimIde, ownIde, app3000, app3002] = await Promise.all([
    startEchoUpstream({ name: 'victim-ide' }),
    startEchoUpstream({ name: 'own-ide' }),
    startEchoUpstream({ name: 'app-3000' }),
    startEchoUpstream({ name: 'app-3002' }),
  ]);
  victimGate = await startTestGate({ codeServer: victimIde.address });
  ownGate = await startTestGate({
    codeServer: ownIde.address,
    ports: { 3000: app3000.address, 3002: app3002.address },
  });
  await edge.router.putWorkspace({
    name: 'victim',
    upstream: victimGate.address,
    gateSecret: victimGate.secret,
    owner: 'alice',
  });
  await edge.router.putWorkspace({
    name: 'own',
    upstream: ownGate.address,
    gateSecret: ownGate.secret,
    owner: 'alice',
    ports: [{ port: 3000 }, { port: 3002 }],
  });
});
afterAll(async () => {
  await edge?.close();
  await Promise.all([victimGate, ownGate].map((gate) => gate?.close()));
  await Promise.all([victimIde, ownIde, app3000, app3002].map((upstream) => upstream?.close()));
});

const raw = (base: string, rawPath: string, headers: Record<string, string> = {}) =>
  edgeRequest(base, { rawPath, headers });

function expectRefused(res: { status: number; body: string }) {
  expect(res.status).toBe(400);
  expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'invalid_path' } });
}

describe('raw paths on the control plane', () => {
  it.each([
    '/api/workspaces/..%2fhealth',
    '/api/workspaces/..%2Fhealth',
    '/api/workspaces/%2e%2e/health',
    '/api/workspaces/.%2E/health',
    '/api/workspaces/../health',
    '/api/./health',
    '/api/workspaces/..%5chealth',
    '/api/workspaces/..\\health',
    '/api/health/..',
  ])('refuses %s without routing it', async (path) => {
    const before = edge.controlPlane.requests.length;
    expectRefused(await raw(edge.controlPlaneUrl, path));
    expect(edge.controlPlane.requests.length).toBe(before);
  });

  it('serves health only at /api/health itself', async () => {
    expect((await raw(edge.controlPlaneUrl, '/api/health')).status).toBe(200);
    expect((await raw(edge.controlPlaneUrl, '/api/health?probe=%2Fx')).status).toBe(200);
    expect((await raw(edge.controlPlaneUrl, '//api/health')).status).toBe(401);
    expect((await raw(edge.controlPlaneUrl, '/api//health')).status).toBe(401);
    expect((await raw(edge.controlPlaneUrl, '/api/%68ealth')).status).toBe(401);
    // Caddy's vars_regexp expands placeholders in the value it matches: braces must not make a path
    // look like /api/health (the `path` matcher beside it sees the braces).
    expect((await raw(edge.controlPlaneUrl, '/api/health{unknown}')).status).toBe(401);
    expect((await raw(edge.controlPlaneUrl, '/api/health{http.request.method}')).status).toBe(401);
  });

  it('passes encoded slashes in the query and dots inside a segment', async () => {
    const res = await raw(
      edge.controlPlaneUrl,
      '/api/files/a..b/.env?path=%2Fhome%2F..%2Fx',
      edge.authHeader(),
    );
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).url).toBe('/api/files/a..b/.env?path=%2Fhome%2F..%2Fx');
  });
});

describe('raw paths on the workspace server', () => {
  it.each([
    '/workspace/zzz/x%2f..%2f..%2fvictim/healthz',
    '/workspace/own/x/../../victim/healthz',
    '/workspace/own/port/3002%2f..%2f3000/abc',
    '/workspace/own/port/3002/../3000/abc',
    '/workspace/own/port/3002/%2E%2E/3000/abc',
  ])('refuses %s before any upstream sees it', async (path) => {
    const seen = () => victimIde.requests.length + ownIde.requests.length + app3000.requests.length;
    const before = seen();
    expectRefused(await raw(edge.workspacesUrl, path, edge.authHeader()));
    expectRefused(await raw(edge.workspacesUrl, path));
    expect(seen()).toBe(before);
  });

  it('still routes ordinary paths to the IDE and the ports', async () => {
    const ide = await raw(edge.workspacesUrl, '/workspace/own/static/a..b.js?f=%2F', edge.authHeader());
    expect(ide.headers['x-upstream']).toBe('own-ide');
    expect(JSON.parse(ide.body).url).toBe('/static/a..b.js?f=%2F');
    const app = await raw(edge.workspacesUrl, '/workspace/own/port/3000/abc', edge.authHeader());
    expect(app.headers['x-upstream']).toBe('app-3000');
  });
});
