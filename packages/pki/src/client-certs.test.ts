import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ClientCa,
  ensureClientCa,
  issueClientCertificate,
  openP12,
  p12PasswordProblem,
  writeClientCertificate,
} from './client-certs.js';

let dir: string;
let ca: ClientCa;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rockpool-client-certs-'));
  ca = await ensureClientCa(join(dir, 'ca'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('ensureClientCa', () => {
  it('creates the CA once (key 0600) and then reuses it', async () => {
    const again = await ensureClientCa(join(dir, 'ca'));
    expect(again).toEqual({ ...ca, created: false });
    expect((await stat(ca.keyFile)).mode & 0o777).toBe(0o600);
    const cert = new X509Certificate(await readFile(ca.certFile));
    expect(cert.ca).toBe(true);
    expect(cert.subject).toContain('CN=Rockpool client CA');
  });
});

describe('issueClientCertificate and openP12', () => {
  const password = 'p12-password-1';

  it('issues a clientAuth certificate signed by the CA that opens with its password', async () => {
    const p12 = await issueClientCertificate({ ca, name: 'alice', password });
    const contents = await openP12(p12, password);
    expect(contents.keyPem).toContain('PRIVATE KEY');
    const cert = new X509Certificate(contents.certificatePem);
    expect(cert.subject).toContain('CN=alice');
    expect(cert.verify(new X509Certificate(await readFile(ca.certFile)).publicKey)).toBe(true);
    expect(cert.keyUsage).toContain('1.3.6.1.5.5.7.3.2');
  });

  it('makes a wrong password a clear error', async () => {
    const p12 = await issueClientCertificate({ ca, name: 'bob', password });
    await expect(openP12(p12, 'not-the-password')).rejects.toMatchObject({ code: 'wrong_p12_password' });
  });

  it('writes the legacy format when asked, which opens too', async () => {
    const p12 = await issueClientCertificate({ ca, name: 'carol', password, encryption: 'legacy' });
    expect((await openP12(p12, password)).certificatePem).toContain('BEGIN CERTIFICATE');
  });

  it('refuses a bad name or password before running openssl', async () => {
    await expect(issueClientCertificate({ ca, name: 'a b', password })).rejects.toMatchObject({
      code: 'invalid_client_name',
    });
    await expect(issueClientCertificate({ ca, name: 'alice', password: 'short' })).rejects.toMatchObject({
      code: 'invalid_p12_password',
    });
    expect(p12PasswordProblem('x'.repeat(257))).toMatch(/at most 256/);
    expect(p12PasswordProblem(undefined)).toMatch(/at least 8/);
    expect(p12PasswordProblem('long enough')).toBeUndefined();
  });

  it('writes a .p12 readable by its owner only', async () => {
    const file = await writeClientCertificate(join(dir, 'out'), 'dave', Buffer.from('p12'));
    expect(file).toBe(join(dir, 'out', 'dave.p12'));
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });
});
