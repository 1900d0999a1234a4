import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { openssl } from './openssl.js';

export interface HostIdentities {
  dnsNames: string[];
  ips: string[];
}

/** The names and addresses a browser may use to reach this host: its hostname, localhost and every IP. */
export function hostIdentities(): HostIdentities {
  const dnsNames = new Set(['localhost']);
  const name = hostname();
  if (/^[a-z0-9.-]+$/i.test(name)) dnsNames.add(name.toLowerCase());
  const ips = new Set(['127.0.0.1', '::1']);
  for (const addresses of Object.values(networkInterfaces()))
    for (const address of addresses ?? []) if (!address.address.startsWith('fe80:')) ips.add(address.address);
  return { dnsNames: [...dnsNames], ips: [...ips] };
}

export interface SelfSignedCertificate {
  certFile: string;
  keyFile: string;
}

/**
 * A self-signed server certificate for `identities`, valid 825 days (the longest Apple platforms
 * accept), written to `dir/server.crt` and `dir/server.key` (0600).
 */
export async function generateSelfSignedServerCertificate(
  dir: string,
  identities: HostIdentities = hostIdentities(),
): Promise<SelfSignedCertificate> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const san = [...identities.dnsNames.map((n) => `DNS:${n}`), ...identities.ips.map((ip) => `IP:${ip}`)].join(
    ',',
  );
  const work = await mkdtemp(join(dir, '.server-cert-'));
  try {
    const [cert, key] = [join(work, 'server.crt'), join(work, 'server.key')];
    await writeFile(key, '', { mode: 0o600 });
    await openssl([
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '825',
      '-subj',
      `/O=Rockpool/CN=${identities.dnsNames[0] ?? 'localhost'}`,
      '-addext',
      `subjectAltName=${san}`,
      '-addext',
      'extendedKeyUsage=serverAuth',
      '-addext',
      'keyUsage=critical,digitalSignature',
      '-addext',
      'basicConstraints=critical,CA:FALSE',
    ]);
    const files = { certFile: join(dir, 'server.crt'), keyFile: join(dir, 'server.key') };
    // Renames keep a running Caddy from ever reading a half-written pair.
    await rename(key, files.keyFile);
    await rename(cert, files.certFile);
    return files;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
