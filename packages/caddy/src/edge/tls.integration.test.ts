import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createCaSigned,
  createSelfSigned,
  ensureClientCa,
  generateSelfSignedServerCertificate,
  issueClientCertificate,
} from '@rockpool/pki';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEdge, type TestEdge } from '../testing/edge-fixture.js';
import { edgeRequest } from '../testing/edge-request.js';
import { startEdgeWithWorkspace } from '../testing/workspace-fixture.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rockpool-tls-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('self-signed TLS', () => {
  let edge: TestEdge;
  let ca: string;
  beforeAll(async () => {
    const cert = await generateSelfSignedServerCertificate(join(dir, 'self'), {
      dnsNames: ['localhost'],
      ips: ['127.0.0.1'],
    });
    ca = await readFile(cert.certFile, 'utf8');
    edge = await startTestEdge({ edge: { tls: { mode: 'self-signed', ...cert }, access: { mode: 'all' } } });
  });
  afterAll(() => edge?.close());

  it('serves both origins over HTTPS with the generated certificate, by IP and by name', async () => {
    expect(edge.controlPlaneUrl).toMatch(/^https:/);
    expect((await edgeRequest(`${edge.controlPlaneUrl}/api/health`, { ca })).status).toBe(200);
    const byName = edge.workspacesUrl.replace('127.0.0.1', 'localhost');
    expect((await edgeRequest(`${byName}/workspace/none/`, { ca, headers: edge.authHeader() })).status).toBe(
      404,
    );
  });

  it('is not trusted by a client that was not given it', async () => {
    await expect(edgeRequest(`${edge.controlPlaneUrl}/api/health`)).rejects.toThrow(/self[- ]signed/i);
  });

  it('redirects plain HTTP to the control plane over HTTPS', async () => {
    const res = await edgeRequest(`${edge.httpRedirectUrl}/app/?x=1`);
    expect(res.status).toBe(308);
    expect(res.headers.location).toBe(`${edge.controlPlaneUrl}/app/?x=1`);
  });
});

describe('custom certificate files', () => {
  let edge: TestEdge;
  let caPem: string;
  beforeAll(async () => {
    // The operator's own CA and a certificate it signed for rockpool.test.
    const operatorCa = { certFile: join(dir, 'operator-ca.crt'), keyFile: join(dir, 'operator-ca.key') };
    await createSelfSigned({
      ...operatorCa,
      days: 2,
      subject: '/CN=Operator CA',
      extensions: ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign'],
    });
    const cert = join(dir, 'operator.crt');
    const key = join(dir, 'operator.key');
    await createCaSigned({
      ca: operatorCa,
      certFile: cert,
      keyFile: key,
      days: 2,
      subject: '/CN=rockpool.test',
      extensions: ['subjectAltName=DNS:rockpool.test', 'extendedKeyUsage=serverAuth'],
    });
    caPem = await readFile(operatorCa.certFile, 'utf8');
    edge = await startTestEdge({
      edge: { tls: { mode: 'custom', certFile: cert, keyFile: key }, access: { mode: 'all' } },
    });
  });
  afterAll(() => edge?.close());

  it('serves the operator certificate for its name', async () => {
    const res = await edgeRequest(`${edge.controlPlaneUrl}/api/health`, {
      ca: caPem,
      servername: 'rockpool.test',
    });
    expect(res.status).toBe(200);
  });
});

describe('mtls-app', () => {
  let edge: TestEdge;
  let ca: string;
  let close: (() => Promise<void>) | undefined;
  let alice: Buffer;
  let stranger: Buffer;
  const password = 'p12-password-1';
  beforeAll(async () => {
    const cert = await generateSelfSignedServerCertificate(join(dir, 'mtls'), {
      dnsNames: ['localhost'],
      ips: ['127.0.0.1'],
    });
    ca = await readFile(cert.certFile, 'utf8');
    const clientCa = await ensureClientCa(join(dir, 'mtls'));
    alice = await issueClientCertificate({ ca: clientCa, name: 'alice', password });
    const otherCa = await ensureClientCa(join(dir, 'other'));
    stranger = await issueClientCertificate({ ca: otherCa, name: 'alice', password });
    ({ edge, close } = await startEdgeWithWorkspace({
      edge: {
        tls: { mode: 'self-signed', ...cert },
        access: { mode: 'mtls-app', clientCaFile: clientCa.certFile },
      },
    }));
  });
  afterAll(() => close?.());

  it('accepts a client presenting a generated .p12 on the control plane and the IDE', async () => {
    const withCert = { ca, pfx: alice, passphrase: password, headers: edge.authHeader() };
    expect((await edgeRequest(`${edge.controlPlaneUrl}/api/workspaces`, withCert)).status).toBe(200);
    const ideRes = await edgeRequest(`${edge.workspacesUrl}/workspace/w/`, withCert);
    expect(ideRes.status).toBe(200);
    expect(ideRes.headers['x-upstream']).toBe('ide');
  });

  it('refuses the control plane and the IDE without a certificate, but not health or forwarded ports', async () => {
    const noCert = { ca, headers: edge.authHeader() };
    const api = await edgeRequest(`${edge.controlPlaneUrl}/api/workspaces`, noCert);
    expect(api.status).toBe(403);
    expect(JSON.parse(api.body)).toMatchObject({ error: { code: 'client_certificate_required' } });
    expect((await edgeRequest(`${edge.workspacesUrl}/workspace/w/`, noCert)).status).toBe(403);
    expect((await edgeRequest(`${edge.controlPlaneUrl}/api/health`, { ca })).status).toBe(200);
    const port = await edgeRequest(`${edge.workspacesUrl}/workspace/w/port/3000/`, noCert);
    expect(port.status).toBe(200);
    expect(port.headers['x-upstream']).toBe('app');
  });

  it('rejects a certificate from another CA at the handshake', async () => {
    const other = { ca, pfx: stranger, passphrase: password, headers: edge.authHeader() };
    await expect(edgeRequest(`${edge.controlPlaneUrl}/api/workspaces`, other)).rejects.toThrow();
    await expect(edgeRequest(`${edge.workspacesUrl}/workspace/w/port/3000/`, other)).rejects.toThrow();
  });

  it('fails clearly on the client side when the .p12 password is wrong', async () => {
    await expect(
      edgeRequest(`${edge.controlPlaneUrl}/api/health`, { ca, pfx: alice, passphrase: 'not-the-password' }),
    ).rejects.toThrow(/mac verify failure|password/i);
  });
});
