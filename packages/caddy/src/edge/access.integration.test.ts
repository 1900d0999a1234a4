import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEdge, type TestEdge } from '../testing/edge-fixture.js';
import { edgeRequest } from '../testing/edge-request.js';
import { TEST_GATE_SECRET } from '../testing/test-gate.js';
import { type EchoUpstream, startEchoUpstream } from '../testing/upstream.js';
import { startEdgeWithWorkspace } from '../testing/workspace-fixture.js';

const ALLOWED = '10.1.2.3';
const STRANGER = '203.0.113.9';

function from(ip: string, auth?: Record<string, string>) {
  return { headers: { 'X-Forwarded-For': ip, ...auth } };
}

describe('restrict-app behind a trusted proxy', () => {
  let edge: TestEdge;
  let ide: EchoUpstream;
  let close: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    ({ edge, ide, close } = await startEdgeWithWorkspace({
      edge: {
        tls: { mode: 'off' },
        access: {
          mode: 'restrict-app',
          allow: ['10.1.0.0/16', '192.0.2.7'],
          trustedProxies: ['127.0.0.1/32'],
        },
      },
    }));
  });
  afterAll(() => close?.());

  it('lets an allowed client reach the control plane and the IDE', async () => {
    expect(
      (await edgeRequest(`${edge.controlPlaneUrl}/api/workspaces`, from(ALLOWED, edge.authHeader()))).status,
    ).toBe(200);
    expect(
      (await edgeRequest(`${edge.workspacesUrl}/workspace/w/`, from('192.0.2.7', edge.authHeader()))).status,
    ).toBe(200);
  });

  it('refuses another client before authentication and before the upstreams', async () => {
    const seenBefore = edge.controlPlane.requests.length + ide.requests.length;
    const api = await edgeRequest(
      `${edge.controlPlaneUrl}/api/workspaces`,
      from(STRANGER, edge.authHeader()),
    );
    expect(api.status).toBe(403);
    expect(JSON.parse(api.body)).toMatchObject({ error: { code: 'client_not_allowed' } });
    // No credentials: still 403, not 401: the edge does not even ask.
    expect((await edgeRequest(`${edge.controlPlaneUrl}/app/`, from(STRANGER))).status).toBe(403);
    expect(
      (await edgeRequest(`${edge.workspacesUrl}/workspace/w/`, from(STRANGER, edge.authHeader()))).status,
    ).toBe(403);
    expect(edge.controlPlane.requests.length + ide.requests.length).toBe(seenBefore);
  });

  it('keeps /api/health and forwarded ports open to anyone, ports still behind authentication', async () => {
    expect((await edgeRequest(`${edge.controlPlaneUrl}/api/health`, from(STRANGER))).status).toBe(200);
    const port = await edgeRequest(
      `${edge.workspacesUrl}/workspace/w/port/3000/x`,
      from(STRANGER, edge.authHeader()),
    );
    expect(port.status).toBe(200);
    expect(port.headers['x-upstream']).toBe('app');
    expect((await edgeRequest(`${edge.workspacesUrl}/workspace/w/port/3000/x`, from(STRANGER))).status).toBe(
      401,
    );
  });

  it('does not let a port-looking path with .. reach the IDE', async () => {
    const res = await edgeRequest(
      `${edge.workspacesUrl}/workspace/w/port/3000/../../`,
      from(STRANGER, edge.authHeader()),
    );
    expect(res.status).toBe(403);
  });

  it('applies to workspace routes added after the access check', async () => {
    const late = await startEchoUpstream({ name: 'late' });
    try {
      await edge.router.putWorkspace({
        name: 'late',
        upstream: late.address,
        gateSecret: TEST_GATE_SECRET,
        owner: 'alice',
      });
      expect(
        (await edgeRequest(`${edge.workspacesUrl}/workspace/late/`, from(STRANGER, edge.authHeader())))
          .status,
      ).toBe(403);
      expect(
        (await edgeRequest(`${edge.workspacesUrl}/workspace/late/`, from(ALLOWED, edge.authHeader()))).status,
      ).toBe(200);
    } finally {
      await late.close();
    }
  });
});

describe('restrict-all', () => {
  let edge: TestEdge;
  let close: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    ({ edge, close } = await startEdgeWithWorkspace({
      edge: {
        tls: { mode: 'off' },
        access: { mode: 'restrict-all', allow: ['10.1.0.0/16'], trustedProxies: ['127.0.0.1'] },
      },
    }));
  });
  afterAll(() => close?.());

  it('refuses a stranger everywhere, health and forwarded ports included', async () => {
    for (const url of [
      `${edge.controlPlaneUrl}/api/health`,
      `${edge.controlPlaneUrl}/api/workspaces`,
      `${edge.workspacesUrl}/workspace/w/`,
      `${edge.workspacesUrl}/workspace/w/port/3000/`,
    ])
      expect((await edgeRequest(url, from(STRANGER, edge.authHeader()))).status, url).toBe(403);
  });

  it('lets an allowed client through everywhere', async () => {
    for (const url of [
      `${edge.controlPlaneUrl}/api/health`,
      `${edge.controlPlaneUrl}/api/workspaces`,
      `${edge.workspacesUrl}/workspace/w/`,
      `${edge.workspacesUrl}/workspace/w/port/3000/`,
    ])
      expect((await edgeRequest(url, from(ALLOWED, edge.authHeader()))).status, url).toBe(200);
  });
});

describe('client IPs without a trusted proxy', () => {
  let edge: TestEdge;
  beforeAll(async () => {
    // Bound on all of loopback so a test can connect from 127.0.0.2 as another machine would.
    edge = await startTestEdge({
      host: '127.0.0.1',
      edge: { tls: { mode: 'off' }, access: { mode: 'restrict-all', allow: ['127.0.0.2'] } },
    });
  });
  afterAll(() => edge?.close());

  it('uses the peer address and ignores X-Forwarded-For from an untrusted peer', async () => {
    const url = `${edge.controlPlaneUrl}/api/health`;
    expect((await edgeRequest(url, { localAddress: '127.0.0.2' })).status).toBe(200);
    expect((await edgeRequest(url, { localAddress: '127.0.0.1' })).status).toBe(403);
    expect(
      (await edgeRequest(url, { localAddress: '127.0.0.1', headers: { 'X-Forwarded-For': '127.0.0.2' } }))
        .status,
    ).toBe(403);
  });
});
