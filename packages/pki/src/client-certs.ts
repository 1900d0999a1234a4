import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PkiError } from './errors.js';
import { createCaSigned, createSelfSigned, openssl } from './openssl.js';

export interface ClientCa {
  certFile: string;
  keyFile: string;
}

/** The client CA's files in `dir`. */
export function clientCaFiles(dir: string): ClientCa {
  return { certFile: join(dir, 'client-ca.crt'), keyFile: join(dir, 'client-ca.key') };
}

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

/** The CA that signs client certificates for `mtls-app`: created once in `dir` (key 0600), then reused. */
export async function ensureClientCa(dir: string): Promise<ClientCa & { created: boolean }> {
  const ca = clientCaFiles(dir);
  if ((await exists(ca.certFile)) && (await exists(ca.keyFile))) return { ...ca, created: false };
  await createSelfSigned({
    ...ca,
    days: 3650,
    subject: '/O=Rockpool/CN=Rockpool client CA',
    extensions: ['basicConstraints=critical,CA:TRUE,pathlen:0', 'keyUsage=critical,keyCertSign,cRLSign'],
  });
  return { ...ca, created: true };
}

const CLIENT_NAME = /^[A-Za-z0-9._@-]{1,64}$/;
export const MIN_P12_PASSWORD_LENGTH = 8;

export interface ClientCertificateOptions {
  ca: ClientCa;
  /** The user the certificate is for: its common name. */
  name: string;
  /** Protects the .p12; the browser asks for it on import. */
  password: string;
  /** Default 365. */
  days?: number;
  /**
   * `modern` (default): AES-256 and PBKDF2, what OpenSSL 3 writes. `legacy`: 3DES and a SHA-1 MAC,
   * for importers that cannot read the modern format (older macOS keychains, Windows before 2019).
   */
  encryption?: 'modern' | 'legacy';
}

/** Returns why `password` cannot protect a .p12, or undefined. */
export function p12PasswordProblem(password: unknown): string | undefined {
  if (typeof password !== 'string' || password.length < MIN_P12_PASSWORD_LENGTH)
    return `a .p12 password has at least ${MIN_P12_PASSWORD_LENGTH} characters`;
  if (password.length > 256) return 'a .p12 password has at most 256 characters';
  return undefined;
}

/** A client certificate (clientAuth) for `name`, signed by the CA, packaged with its key as a .p12. */
export async function issueClientCertificate(options: ClientCertificateOptions): Promise<Buffer> {
  if (!CLIENT_NAME.test(options.name))
    throw new PkiError(
      'invalid_client_name',
      `invalid certificate name ${JSON.stringify(options.name)}: letters, digits, . _ @ - (max 64)`,
    );
  const passwordProblem = p12PasswordProblem(options.password);
  if (passwordProblem) throw new PkiError('invalid_p12_password', passwordProblem);
  const work = await mkdtemp(join(options.ca.keyFile, '..', '.client-cert-'));
  try {
    const [key, cert, p12] = ['key.pem', 'cert.pem', 'out.p12'].map((f) => join(work, f)) as [
      string,
      string,
      string,
    ];
    await createCaSigned({
      ca: options.ca,
      keyFile: key,
      certFile: cert,
      days: options.days ?? 365,
      subject: `/O=Rockpool/CN=${options.name}`,
      extensions: [
        'basicConstraints=critical,CA:FALSE',
        'keyUsage=critical,digitalSignature',
        'extendedKeyUsage=clientAuth',
      ],
    });
    const legacy =
      options.encryption === 'legacy'
        ? ['-keypbe', 'PBE-SHA1-3DES', '-certpbe', 'PBE-SHA1-3DES', '-macalg', 'sha1']
        : [];
    await openssl(
      [
        'pkcs12',
        '-export',
        '-inkey',
        key,
        '-in',
        cert,
        '-certfile',
        options.ca.certFile,
        '-name',
        options.name,
        '-out',
        p12,
        '-passout',
        'env:P12_PASSWORD',
        ...legacy,
      ],
      { P12_PASSWORD: options.password },
    );
    return await readFile(p12);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Writes a .p12 as `dir/{name}.p12` (0600) and returns its path. */
export async function writeClientCertificate(dir: string, name: string, p12: Buffer): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, `${name}.p12`);
  await writeFile(file, p12, { mode: 0o600 });
  return file;
}

export interface P12Contents {
  /** The client certificate, PEM. */
  certificatePem: string;
  /** The private key, PEM (unencrypted: keep it in memory). */
  keyPem: string;
}

/** Opens a .p12 with its password; a wrong password is a {@link PkiError} `wrong_p12_password`. */
export async function openP12(p12: Buffer, password: string): Promise<P12Contents> {
  const work = await mkdtemp(join(process.env.TMPDIR ?? '/tmp', 'rockpool-p12-'));
  try {
    const file = join(work, 'in.p12');
    await writeFile(file, p12, { mode: 0o600 });
    const env = { P12_PASSWORD: password };
    const read = (args: string[]) =>
      openssl(['pkcs12', '-in', file, '-passin', 'env:P12_PASSWORD', ...args], env).catch(
        (error: PkiError) => {
          if (/mac verify failure|invalid password/i.test(error.message))
            throw new PkiError('wrong_p12_password', 'wrong password for this .p12 file');
          throw error;
        },
      );
    const certificatePem = (await read(['-clcerts', '-nokeys'])).toString();
    const keyPem = (await read(['-nocerts', '-nodes'])).toString();
    return { certificatePem, keyPem };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
