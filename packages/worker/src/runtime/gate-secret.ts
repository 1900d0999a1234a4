import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** A new gate secret: 32 random bytes, base64url (43 characters). */
export function newGateSecret(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Writes `secret` to `file`, mode 0600 in a 0700 directory, through a temporary file renamed over
 * it: a reader (the guest's gate, on tart's share) never sees half a secret.
 */
export async function writeGateSecret(file: string, secret: string): Promise<void> {
  const dir = dirname(file);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const partial = `${file}.partial`;
  await rm(partial, { force: true }); // left by a crash, maybe with another mode
  await writeFile(partial, `${secret}\n`, { mode: 0o600 });
  await rename(partial, file);
}

/** The secret in `file`, or undefined if there is none. */
export async function readGateSecret(file: string): Promise<string | undefined> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  return text?.trim() || undefined;
}
