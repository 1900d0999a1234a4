import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { generateSelfSignedServerCertificate } from '@rockpool/pki';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CaddyProcess, startCaddy } from '../process/caddy-process.js';
import { caddyBinaryForTests } from '../testing/caddy-binary.js';
import { startTestEdge, type TestEdge } from '../testing/edge-fixture.js';
import { edgeRequest } from '../testing/edge-request.js';
import { freePort } from '../testing/free-port.js';

/**
 * A second Caddy is the ACME CA (the pki app's `acme_server`), and the edge obtains its certificate
 * from it for real. There is no DNS here, so the identifier is an IP address (RFC 8738): the CA
 * validates HTTP-01 at http://{ip}:80/, which is the edge's HTTP redirect server. A random
 * 127.x.y.z keeps port 80 free for anything else on this machine.
 */
describe('ACME TLS against a local ACME CA', () => {
  let dir: string;
  let ca: CaddyProcess;
  let edge: TestEdge;
  const ip = `127.${20 + Math.floor(Math.random() * 200)}.${Math.floor(Math.random() * 250)}.${2 + Math.floor(Math.random() * 250)}`;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rockpool-acme-'));
    const caListenerCert = await generateSelfSignedServerCertificate(join(dir, 'ca-tls'), {
      dnsNames: ['localhost'],
      ips: ['127.0.0.1'],
    });
    const caPort = await freePort();
    const caDataDir = join(dir, 'ca');
    ca = await startCaddy({
      binary: caddyBinaryForTests(),
      dataDir: caDataDir,
      config: {
        apps: {
          pki: { certificate_authorities: { local: { install_trust: false } } },
          tls: {
            certificates: {
              load_files: [
                { certificate: caListenerCert.certFile, key: caListenerCert.keyFile, tags: ['acme-ca'] },
              ],
            },
          },
          http: {
            servers: {
              acme: {
                listen: [`127.0.0.1:${caPort}`],
                routes: [{ handle: [{ handler: 'acme_server', ca: 'local', challenges: ['http-01'] }] }],
                tls_connection_policies: [{ certificate_selection: { any_tag: ['acme-ca'] } }],
                automatic_https: { disable: true },
              },
            },
          },
        },
      },
    });
    edge = await startTestEdge({
      host: ip,
      httpPort: 80,
      edge: {
        tls: {
          mode: 'acme',
          domain: ip,
          email: 'ops@rockpool.test',
          caDirectoryUrl: `https://127.0.0.1:${caPort}/acme/local/directory`,
          trustedRootsPemFiles: [caListenerCert.certFile],
        },
        access: { mode: 'all' },
      },
    });
  }, 60_000);
  afterAll(async () => {
    await edge?.close();
    await ca?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('obtains a certificate for the control plane and the workspaces, signed by the ACME CA', async () => {
    const root = await readFile(
      join(dir, 'ca', 'data', 'caddy', 'pki', 'authorities', 'local', 'root.crt'),
      'utf8',
    );
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
