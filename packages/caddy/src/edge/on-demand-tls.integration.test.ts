import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, type PeerCertificate } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startTestAcmeCa,
  startTestHostsProxy,
  type TestAcmeCa,
  type TestHostsProxy,
} from '../testing/acme-ca.js';
import { startTestEdge, type TestEdge } from '../testing/edge-fixture.js';
import { freePort } from '../testing/free-port.js';
import { TLS_ASK_PATH_PREFIX } from './on-demand-tls.js';

const DOMAIN = 'ws.rockpool.test';

interface Ask {
  path: string;
  domain: string | null;
  workspaceDomain: string | undefined;
}

/** Stands in for the control plane's ask route: yes for the hosts in `allowed`, 404 otherwise. */
async function startAskUpstream(socketPath: string, allowed: Set<string>) {
  const asks: Ask[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://control-plane');
    const domain = url.searchParams.get('domain');
    asks.push({
      path: url.pathname,
      domain,
      workspaceDomain: req.headers['x-rockpool-workspace-domain'] as string | undefined,
    });
    res.writeHead(domain && allowed.has(domain) ? 200 : 404).end();
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    asks,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A TLS handshake with `servername` (SNI: no DNS needed), verified against `ca`; the peer's certificate. */
function handshake(port: number, host: string, servername: string, ca: string): Promise<PeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, servername, ca }, () => {
      const cert = socket.getPeerCertificate();
      socket.destroy();
      resolve(cert);
    });
    socket.once('error', reject);
  });
}

/**
 * acme with a workspace domain against a local ACME CA (a second Caddy): a workspace host gets its
 * certificate at its first handshake, after the ask; an unknown host gets none and no order is
 * placed. The CA validates HTTP-01 at `http://{host}/`; it resolves the host through a test proxy
 * that sends every `*.{DOMAIN}` request to the edge's 127.x.y.z:80.
 */
describe('on-demand TLS for workspace hosts against a local ACME CA', () => {
  let dir: string;
  let proxy: TestHostsProxy;
  let ca: TestAcmeCa;
  let edge: TestEdge;
  let control: Awaited<ReturnType<typeof startAskUpstream>>;
  let askPort: number;
  const allowed = new Set<string>();
  const token = randomBytes(32).toString('hex');
  const ip = `127.${20 + Math.floor(Math.random() * 200)}.${Math.floor(Math.random() * 250)}.${2 + Math.floor(Math.random() * 250)}`;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rockpool-on-demand-'));
    proxy = await startTestHostsProxy(DOMAIN, ip);
    ca = await startTestAcmeCa(dir, proxy.url);
    control = await startAskUpstream(join(dir, 'server.sock'), allowed);
    askPort = await freePort();
    edge = await startTestEdge({
      host: ip,
      httpPort: 80,
      controlPlaneUpstream: `unix/${join(dir, 'server.sock')}`,
      edge: {
        tls: {
          mode: 'acme',
          domain: ip,
          caDirectoryUrl: ca.directoryUrl,
          trustedRootsPemFiles: [ca.listenerCertFile],
        },
        access: { mode: 'all' },
        workspaceDomain: DOMAIN,
        tlsAsk: { listen: `127.0.0.1:${askPort}`, token },
      },
    });
  }, 60_000);
  afterAll(async () => {
    await edge?.close();
    await ca?.caddy.stop();
    await control?.close();
    await proxy?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const workspacesPort = () => Number(new URL(edge.workspacesUrl).port);
  const issued = async () => {
    const root = join(edge.dataDir, 'data', 'caddy', 'certificates');
    const issuers = await readdir(root).catch(() => []);
    return (await Promise.all(issuers.map((i) => readdir(join(root, i))))).flat();
  };

  it('refuses an unknown host: the ask says no, the handshake fails, no certificate is requested', async () => {
    const root = await ca.root();
    await expect(handshake(workspacesPort(), ip, `nope.${DOMAIN}`, root)).rejects.toThrow();
    expect(control.asks).toContainEqual({
      path: `${TLS_ASK_PATH_PREFIX}${token}`,
      domain: `nope.${DOMAIN}`,
      workspaceDomain: DOMAIN,
    });
    expect(proxy.hosts).not.toContain(`nope.${DOMAIN}`);
    expect(await issued()).not.toContain(`nope.${DOMAIN}`);
  }, 30_000);

  it('forwards only the ask path with the token; anything else on the ask server is 404 and never reaches the control plane', async () => {
    const before = control.asks.length;
    for (const path of [`${TLS_ASK_PATH_PREFIX}${'0'.repeat(64)}`, '/api/workspaces', TLS_ASK_PATH_PREFIX]) {
      const res = await fetch(`http://127.0.0.1:${askPort}${path}?domain=alice.${DOMAIN}`);
      expect(res.status).toBe(404);
    }
    expect(control.asks.length).toBe(before);
  });

  it('a new workspace host and its port host get their certificates from the local CA at the first handshake', async () => {
    const root = await ca.root();
    for (const host of [`alice.${DOMAIN}`, `3000--alice.${DOMAIN}`]) {
      allowed.add(host);
      let cert: PeerCertificate | undefined;
      let last: unknown;
      for (let attempt = 0; attempt < 50 && !cert; attempt++) {
        try {
          cert = await handshake(workspacesPort(), ip, host, root);
        } catch (error) {
          last = error;
          await sleep(200);
        }
      }
      expect(last === undefined || cert !== undefined, String(last)).toBe(true);
      expect(cert?.subjectaltname).toBe(`DNS:${host}`);
      expect(proxy.hosts).toContain(host);
      expect(await issued()).toContain(host);
    }
  }, 60_000);
});
