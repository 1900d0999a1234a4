import { X509Certificate } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCaSigned, createSelfSigned, openssl, selfSignedArgs } from './openssl.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rockpool-openssl-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('selfSignedArgs', () => {
  it('passes each extension as its own -addext and writes to the given files', () => {
    const args = selfSignedArgs(
      { certFile: 'x', keyFile: 'y', days: 3, subject: '/CN=a', extensions: ['a=1', 'b=2'] },
      { certFile: 'c.pem', keyFile: 'k.pem' },
    );
    expect(args.slice(-4)).toEqual(['-addext', 'a=1', '-addext', 'b=2']);
    expect(args).toEqual(expect.arrayContaining(['-keyout', 'k.pem', '-out', 'c.pem', '-days', '3']));
  });
});

describe('createSelfSigned and createCaSigned', () => {
  it('sign a certificate with a CA, leaving no scratch files', async () => {
    const ca = { certFile: join(dir, 'ca.crt'), keyFile: join(dir, 'ca.key') };
    await createSelfSigned({
      ...ca,
      days: 2,
      subject: '/CN=Test CA',
      extensions: ['basicConstraints=critical,CA:TRUE'],
    });
    const leaf = { certFile: join(dir, 'leaf.crt'), keyFile: join(dir, 'leaf.key') };
    await createCaSigned({
      ca,
      ...leaf,
      days: 2,
      subject: '/CN=rockpool.test',
      extensions: ['subjectAltName=DNS:rockpool.test'],
    });
    const caCert = new X509Certificate(await readFile(ca.certFile));
    const cert = new X509Certificate(await readFile(leaf.certFile));
    expect(cert.verify(caCert.publicKey)).toBe(true);
    expect(cert.subjectAltName).toBe('DNS:rockpool.test');
    expect(cert.issuer).toContain('CN=Test CA');
    expect((await readdir(dir)).sort()).toEqual(['ca.crt', 'ca.key', 'leaf.crt', 'leaf.key']);
  });

  it('turns an openssl failure into a PkiError with its message', async () => {
    await expect(openssl(['x509', '-in', join(dir, 'missing.pem')])).rejects.toMatchObject({
      name: 'PkiError',
      code: 'openssl_failed',
      message: expect.stringMatching(/^openssl x509 failed: /),
    });
  });
});
