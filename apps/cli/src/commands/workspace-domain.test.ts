import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { caddyBinaryForTests } from '@rockpool/caddy/testing';
import { dataDirLayout } from '@rockpool/model/data-dir';
import { generateSelfSignedServerCertificate } from '@rockpool/pki';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configFilePath } from '../config-file.js';
import { init } from './init.js';
import { reconfigure } from './reconfigure.js';

const DOMAIN = 'ws.rockpool.test';

describe('--workspace-domain', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'rockpool-ws-domain-'));
    // Subdomain routing (the default with a workspace domain) needs a control plane host whose
    // cookie covers the workspace hosts (see routing-mode.test.ts).
    env = {
      PATH: process.env.PATH,
      ROCKPOOL_DATA_DIR: dataDir,
      ROCKPOOL_CADDY_BIN: caddyBinaryForTests(),
      ROCKPOOL_PUBLIC_URL: 'https://rockpool.test',
    };
  });
  afterEach(() => rm(dataDir, { recursive: true, force: true }));
  const io = () => ({ env, input: new PassThrough(), output: new PassThrough(), interactive: false });
  const config = async () => JSON.parse(await readFile(configFilePath(dataDir), 'utf8'));

  it('custom: init and reconfigure refuse a certificate without *.{domain}, and change nothing', async () => {
    const plain = await generateSelfSignedServerCertificate(join(dataDir, 'plain'), {
      dnsNames: ['rockpool.test'],
      ips: [],
    });
    const wildcard = await generateSelfSignedServerCertificate(join(dataDir, 'wildcard'), {
      dnsNames: ['rockpool.test'],
      ips: [],
      wildcardDomains: [DOMAIN],
    });
    const custom = (cert: { certFile: string; keyFile: string }) => [
      '--tls',
      'custom',
      '--cert',
      cert.certFile,
      '--key',
      cert.keyFile,
    ];
    await expect(init([...custom(plain), '--workspace-domain', DOMAIN], io())).rejects.toThrow(
      `does not cover the workspace hosts under ${DOMAIN}: it needs the name *.${DOMAIN}`,
    );
    await expect(stat(configFilePath(dataDir))).rejects.toThrow(/ENOENT/);

    expect(await init(custom(plain), io())).toBe(0);
    const before = await config();
    await expect(reconfigure(['--workspace-domain', DOMAIN], io())).rejects.toThrow(
      `needs the name *.${DOMAIN}`,
    );
    expect(await config()).toEqual(before);

    expect(await reconfigure([...custom(wildcard), '--workspace-domain', DOMAIN], io())).toBe(0);
    expect(await config()).toMatchObject({ workspaceDomain: DOMAIN, tls: { certFile: wildcard.certFile } });
  });

  it('refuses an invalid domain; self-signed gets the wildcard SAN; acme gets a 0600 ask token', async () => {
    await expect(init(['--workspace-domain', 'Not_A.Domain'], io())).rejects.toThrow(
      /workspaceDomain: "Not_A.Domain" is not a lowercase DNS name/,
    );
    expect(await init(['--tls', 'self-signed', '--access', 'all'], io())).toBe(0);
    const certFile = join(dataDir, 'tls', 'server.crt');
    const san = async () => new X509Certificate(await readFile(certFile)).subjectAltName;
    expect(await san()).not.toContain(`*.${DOMAIN}`);
    // The certificate from before the domain lacks the wildcard: it is generated again.
    expect(await reconfigure(['--workspace-domain', DOMAIN], io())).toBe(0);
    expect(await san()).toContain(`DNS:*.${DOMAIN}`);

    const token = dataDirLayout(dataDir).tlsAskToken;
    await expect(stat(token)).rejects.toThrow(/ENOENT/);
    expect(await reconfigure(['--tls', 'acme', '--domain', 'rockpool.test'], io())).toBe(0);
    expect((await stat(token)).mode & 0o777).toBe(0o600);
    expect((await readFile(token, 'utf8')).trim()).toMatch(/^[0-9a-f]{64}$/);
    expect(await config()).toMatchObject({ workspaceDomain: DOMAIN, tls: { mode: 'acme' } });
    expect(await reconfigure(['--workspace-domain', ''], io())).toBe(0);
    expect((await config()).workspaceDomain).toBeUndefined();
  });
});
