import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { PkiError } from './errors.js';
import { createSelfSigned } from './openssl.js';

export interface HostIdentities {
  dnsNames: string[];
  ips: string[];
  /** Domains whose direct subdomains the certificate covers too (`*.{domain}`): workspace hosts. */
  wildcardDomains?: string[];
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
  for (const domain of identities.wildcardDomains ?? [])
    if (!/^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(domain))
      throw new PkiError(
        'invalid_domain',
        `invalid wildcard domain ${JSON.stringify(domain)}: expected a lowercase DNS name`,
      );
  const san = [
    ...identities.dnsNames.map((n) => `DNS:${n}`),
    ...(identities.wildcardDomains ?? []).map((d) => `DNS:*.${d}`),
    ...identities.ips.map((ip) => `IP:${ip}`),
  ].join(',');
  const files = { certFile: join(dir, 'server.crt'), keyFile: join(dir, 'server.key') };
  await createSelfSigned({
    ...files,
    days: 825,
    subject: `/O=Rockpool/CN=${identities.dnsNames[0] ?? 'localhost'}`,
    extensions: [
      `subjectAltName=${san}`,
      'extendedKeyUsage=serverAuth',
      'keyUsage=critical,digitalSignature',
      'basicConstraints=critical,CA:FALSE',
    ],
  });
  return files;
}
