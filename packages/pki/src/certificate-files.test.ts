import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCertificateFiles } from './certificate-files.js';
import { generateSelfSignedServerCertificate } from './server-cert.js';

describe('checkCertificateFiles', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rockpool-certs-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('accepts a matching pair and says what it is for', async () => {
    const pair = await generateSelfSignedServerCertificate(join(dir, 'a'), {
      dnsNames: ['localhost'],
      ips: ['127.0.0.1'],
    });
    const summary = await checkCertificateFiles(pair.certFile, pair.keyFile);
    expect(summary.subjectAltName).toContain('IP Address:127.0.0.1');
  });

  it('refuses a missing file, a non-PEM file and a key of another certificate', async () => {
    const a = await generateSelfSignedServerCertificate(join(dir, 'a'), { dnsNames: ['localhost'], ips: [] });
    const b = await generateSelfSignedServerCertificate(join(dir, 'b'), { dnsNames: ['localhost'], ips: [] });
    await expect(checkCertificateFiles(join(dir, 'nope.crt'), a.keyFile)).rejects.toMatchObject({
      code: 'certificate_unreadable',
      message: expect.stringMatching(/cannot read the certificate file .*ENOENT/),
    });
    const junk = join(dir, 'junk.pem');
    await writeFile(junk, 'hello');
    await expect(checkCertificateFiles(junk, a.keyFile)).rejects.toThrow(/not a PEM certificate/);
    await expect(checkCertificateFiles(a.certFile, junk)).rejects.toThrow(
      /not an unencrypted PEM private key/,
    );
    await expect(checkCertificateFiles(a.certFile, b.keyFile)).rejects.toMatchObject({
      code: 'certificate_key_mismatch',
    });
  });

  it('refuses a certificate that has expired by `now`', async () => {
    const pair = await generateSelfSignedServerCertificate(join(dir, 'c'), {
      dnsNames: ['localhost'],
      ips: [],
    });
    const later = new Date(Date.now() + 900 * 24 * 3600 * 1000);
    await expect(checkCertificateFiles(pair.certFile, pair.keyFile, later)).rejects.toMatchObject({
      code: 'certificate_expired',
    });
  });

  it('checks that a certificate covers every workspace host under a domain', async () => {
    const wildcard = await generateSelfSignedServerCertificate(join(dir, 'w'), {
      dnsNames: ['rockpool.localhost'],
      ips: [],
      wildcardDomains: ['ws.rockpool.localhost'],
    });
    const summary = await checkCertificateFiles(wildcard.certFile, wildcard.keyFile, new Date(), {
      wildcardDomains: ['ws.rockpool.localhost'],
    });
    expect(summary.subjectAltName).toContain('DNS:*.ws.rockpool.localhost');
    // A certificate for the names only, or a wildcard one level off, covers no workspace host.
    const plain = await generateSelfSignedServerCertificate(join(dir, 'p'), {
      dnsNames: ['rockpool.localhost', 'alice.ws.rockpool.localhost'],
      ips: [],
      wildcardDomains: ['rockpool.localhost'],
    });
    await expect(
      checkCertificateFiles(plain.certFile, plain.keyFile, new Date(), {
        wildcardDomains: ['ws.rockpool.localhost'],
      }),
    ).rejects.toMatchObject({
      code: 'certificate_not_wildcard',
      message: expect.stringContaining('needs the name *.ws.rockpool.localhost'),
    });
  });
});
