import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PkiError } from './errors.js';

/**
 * Runs the openssl CLI. Secrets go through `env` (`-passin env:NAME`), never through arguments,
 * which other users can read in the process list.
 */
export function openssl(args: string[], env: Record<string, string> = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile(
      'openssl',
      args,
      { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, encoding: 'buffer', maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        if (error)
          reject(
            new PkiError(
              'openssl_failed',
              `openssl ${args[0]} failed: ${stderr.toString().trim() || error.message}`,
            ),
          );
        else resolve(stdout);
      },
    );
  });
}

export interface SelfSignedRequest {
  /** Where the pair ends up; the key is created 0600. */
  certFile: string;
  keyFile: string;
  days: number;
  subject: string;
  /** `-addext` values: basicConstraints, keyUsage, subjectAltName, ... */
  extensions: string[];
}

/** `openssl req -x509` arguments for a new P-256 key and a self-signed certificate. */
export function selfSignedArgs(
  request: SelfSignedRequest,
  files: { certFile: string; keyFile: string },
): string[] {
  return [
    ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
    ...[
      '-keyout',
      files.keyFile,
      '-out',
      files.certFile,
      '-days',
      String(request.days),
      '-subj',
      request.subject,
    ],
    ...request.extensions.flatMap((extension) => ['-addext', extension]),
  ];
}

/**
 * Creates a key and a self-signed certificate in a scratch directory next to the target, then
 * renames both into place, so a running Caddy never reads a half-written pair.
 */
export async function createSelfSigned(request: SelfSignedRequest): Promise<void> {
  const dir = join(request.certFile, '..');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const work = await mkdtemp(join(dir, '.pki-'));
  try {
    const scratch = { certFile: join(work, 'cert.pem'), keyFile: join(work, 'key.pem') };
    await writeFile(scratch.keyFile, '', { mode: 0o600 });
    await openssl(selfSignedArgs(request, scratch));
    await rename(scratch.keyFile, request.keyFile);
    await rename(scratch.certFile, request.certFile);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export interface CaSignedRequest {
  /** The CA that signs: its certificate and key (PEM). */
  ca: { certFile: string; keyFile: string };
  /** Where the new key (0600) and certificate are written. */
  certFile: string;
  keyFile: string;
  days: number;
  subject: string;
  /** Extension lines (an openssl extfile): basicConstraints, keyUsage, extendedKeyUsage, subjectAltName, ... */
  extensions: string[];
}

/** A new P-256 key and a certificate for it signed by `request.ca`. */
export async function createCaSigned(request: CaSignedRequest): Promise<void> {
  const work = await mkdtemp(join(request.certFile, '..', '.pki-sign-'));
  try {
    const [csr, ext, serial] = ['req.csr', 'ext.cnf', 'serial'].map((f) => join(work, f)) as [
      string,
      string,
      string,
    ];
    await writeFile(request.keyFile, '', { mode: 0o600 });
    await openssl([
      'genpkey',
      '-algorithm',
      'EC',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-out',
      request.keyFile,
    ]);
    await openssl(['req', '-new', '-key', request.keyFile, '-out', csr, '-subj', request.subject]);
    await writeFile(ext, `${request.extensions.join('\n')}\n`);
    await openssl([
      ...['x509', '-req', '-in', csr, '-CA', request.ca.certFile, '-CAkey', request.ca.keyFile],
      ...['-CAcreateserial', '-CAserial', serial, '-days', String(request.days)],
      ...['-extfile', ext, '-out', request.certFile],
    ]);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
