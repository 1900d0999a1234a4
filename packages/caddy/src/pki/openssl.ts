import { execFile } from 'node:child_process';

/** A failure of the PKI tools, with a code the CLI and the API can act on. */
export class PkiError extends Error {
  constructor(
    readonly code: 'openssl_failed' | 'wrong_p12_password' | 'invalid_client_name' | 'invalid_p12_password',
    message: string,
  ) {
    super(message);
    this.name = 'PkiError';
  }
}

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
