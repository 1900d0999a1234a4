import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { PkiError } from './errors.js';

export interface CertificateSummary {
  subject: string;
  subjectAltName: string | undefined;
  validTo: Date;
}

/**
 * Checks a certificate and key pair before Caddy is given them: both readable PEM, the key is the
 * certificate's, and the certificate has not expired. Each problem is an {@link PkiError}.
 */
export async function checkCertificateFiles(
  certFile: string,
  keyFile: string,
  now: Date = new Date(),
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
  return { subject: cert.subject, subjectAltName: cert.subjectAltName, validTo };
}
