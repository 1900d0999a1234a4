import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSelfSignedServerCertificate, hostIdentities } from './server-cert.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rockpool-server-cert-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('hostIdentities', () => {
  it('always includes localhost and the loopback addresses', () => {
    const { dnsNames, ips } = hostIdentities();
    expect(dnsNames[0]).toBe('localhost');
    expect(ips).toEqual(expect.arrayContaining(['127.0.0.1', '::1']));
    expect(ips.some((ip) => ip.startsWith('fe80:'))).toBe(false);
  });
});

describe('generateSelfSignedServerCertificate', () => {
  it('writes a serverAuth certificate for every name and address, key 0600, valid 825 days', async () => {
    const files = await generateSelfSignedServerCertificate(dir, {
      dnsNames: ['rockpool.test', 'localhost'],
      ips: ['127.0.0.1'],
    });
    expect(files).toEqual({ certFile: join(dir, 'server.crt'), keyFile: join(dir, 'server.key') });
    const cert = new X509Certificate(await readFile(files.certFile));
    expect(cert.subject).toContain('CN=rockpool.test');
    expect(cert.subjectAltName).toBe('DNS:rockpool.test, DNS:localhost, IP Address:127.0.0.1');
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    const days = (new Date(cert.validTo).getTime() - Date.now()) / (24 * 3600 * 1000);
    expect(Math.round(days)).toBe(825);
    expect((await stat(files.keyFile)).mode & 0o777).toBe(0o600);
  });

  it('adds a wildcard name per workspace domain, and refuses one that is not a DNS name', async () => {
    const files = await generateSelfSignedServerCertificate(join(dir, 'w'), {
      dnsNames: ['rockpool.localhost'],
      ips: [],
      wildcardDomains: ['ws.rockpool.localhost'],
    });
    const cert = new X509Certificate(await readFile(files.certFile));
    expect(cert.subjectAltName).toBe('DNS:rockpool.localhost, DNS:*.ws.rockpool.localhost');
    await expect(
      generateSelfSignedServerCertificate(join(dir, 'x'), {
        dnsNames: ['a'],
        ips: [],
        wildcardDomains: ['a,DNS:evil.com'],
      }),
    ).rejects.toMatchObject({ code: 'invalid_domain' });
  });
});
