import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { PkiError } from './errors.js';

export interface CertificateSummary {
  subject: string;
  subjectAltName: string | undefined;
  validTo: Date;
}

export interface CertificateRequirements {
  /**
   * Domains whose every direct subdomain the certificate must cover (`ws.example.com`: a SAN
   * `*.ws.example.com`), as workspace hosts in subdomain mode need.
   */
  wildcardDomains?: string[];
}

/**
 * A host no certificate names on purpose: only a wildcard for `domain` covers it. Workspace names
 * have no `--` run, so it is never a real workspace's host either.
 */
const wildcardProbe = (domain: string) => `rockpool--wildcard-probe.${domain}`;

/** Whether `cert` covers every direct subdomain of `domain` (a SAN `*.{domain}`, no partial wildcard). */
export function coversSubdomainsOf(cert: X509Certificate, domain: string): boolean {
  return cert.checkHost(wildcardProbe(domain), { wildcards: true, partialWildcards: false }) !== undefined;
}

/**
 * Checks a certificate and key pair before Caddy is given them: both readable PEM, the key is the
 * certificate's, the certificate has not expired and covers what `requirements` asks. Each problem
 * is an {@link PkiError}.
 */
export async function checkCertificateFiles(
  certFile: string,
  keyFile: string,
  now: Date = new Date(),
  requirements: CertificateRequirements = {},
): Promise<CertificateSummary> {
  const read = (file: string, what: string) =>
    readFile(file).catch((error: NodeJS.ErrnoException) => {
      throw new PkiError(
        'certificate_unreadable',
        `cannot read the ${what} file ${file}: ${error.code ?? error.message}`,
      );
    });
  const [certPem, keyPem] = [await read(certFile, 'certificate'), await read(keyFile, 'key')];
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch (error) {
    throw new PkiError(
      'certificate_unreadable',
      `${certFile} is not a PEM certificate: ${(error as Error).message}`,
    );
  }
  let key: ReturnType<typeof createPrivateKey>;
  try {
    key = createPrivateKey(keyPem);
  } catch (error) {
    throw new PkiError(
      'certificate_unreadable',
      `${keyFile} is not an unencrypted PEM private key: ${(error as Error).message}`,
    );
  }
  if (!cert.checkPrivateKey(key))
    throw new PkiError(
      'certificate_key_mismatch',
      `the key in ${keyFile} does not belong to the certificate in ${certFile}`,
    );
  const validTo = new Date(cert.validTo);
  if (validTo <= now)
    throw new PkiError(
      'certificate_expired',
      `the certificate in ${certFile} expired on ${validTo.toISOString()}`,
    );
  for (const domain of requirements.wildcardDomains ?? [])
    if (!coversSubdomainsOf(cert, domain))
      throw new PkiError(
        'certificate_not_wildcard',
        `the certificate in ${certFile} does not cover the workspace hosts under ${domain}: it needs the name *.${domain} among its subject alternative names (it has ${cert.subjectAltName ?? 'none'})`,
      );
  return { subject: cert.subject, subjectAltName: cert.subjectAltName, validTo };
}
