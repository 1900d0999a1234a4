import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAcmeCa, type TestAcmeCa } from '../testing/acme-ca.js';
import { startTestEdge, type TestEdge } from '../testing/edge-fixture.js';
import { edgeRequest } from '../testing/edge-request.js';

/**
 * A second Caddy is the ACME CA (the pki app's `acme_server`), and the edge obtains its certificate
 * from it for real. There is no DNS here, so the identifier is an IP address (RFC 8738): the CA
 * validates HTTP-01 at http://{ip}:80/, which is the edge's HTTP redirect server. A random
 * 127.x.y.z keeps port 80 free for anything else on this machine.
 */
describe('ACME TLS against a local ACME CA', () => {
  let dir: string;
  let ca: TestAcmeCa;
  let edge: TestEdge;
  const ip = `127.${20 + Math.floor(Math.random() * 200)}.${Math.floor(Math.random() * 250)}.${2 + Math.floor(Math.random() * 250)}`;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rockpool-acme-'));
    ca = await startTestAcmeCa(dir);
    edge = await startTestEdge({
      host: ip,
      httpPort: 80,
      edge: {
        tls: {
          mode: 'acme',
          domain: ip,
          email: 'ops@rockpool.test',
          caDirectoryUrl: ca.directoryUrl,
          trustedRootsPemFiles: [ca.listenerCertFile],
        },
        access: { mode: 'all' },
      },
    });
  }, 60_000);
  afterAll(async () => {
    await edge?.close();
    await ca?.caddy.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('obtains a certificate for the control plane and the workspaces, signed by the ACME CA', async () => {
    const root = await ca.root();
    let last: unknown;
    for (let attempt = 0; attempt < 100; attempt++) {
      try {
        const res = await edgeRequest(`${edge.controlPlaneUrl}/api/health`, { ca: root });
        expect(res.status).toBe(200);
        last = undefined;
        break;
      } catch (error) {
        last = error;
        await sleep(200);
      }
    }
    expect(last).toBeUndefined();
    const workspaces = await edgeRequest(`${edge.workspacesUrl}/workspace/none/`, {
      ca: root,
      headers: edge.authHeader(),
    });
    expect(workspaces.status).toBe(404);
  }, 40_000);
});
