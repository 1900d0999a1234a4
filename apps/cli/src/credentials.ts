import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { hashPassword, verifyPassword } from '@rockpool/caddy';
import { dataDirLayout } from '@rockpool/model/data-dir';

export interface Credentials {
  username: string;
  passwordHash: string;
  /** Where a generated password was written for the user to read, if one was generated. */
  generatedPasswordFile?: string;
}

interface StoredCredentials {
  username: string;
  passwordHash: string;
}

/**
 * The basic-auth account. A chosen password (CADDY_PASSWORD) is hashed; without one, a random
 * password is generated once and written to a 0600 file in the data dir, never to the log.
 * Hashing is skipped when the stored hash already matches, so restarts stay fast.
 */
export async function ensureCredentials(
  dataDir: string,
  username: string,
  password?: string,
): Promise<Credentials> {
  const file = dataDirLayout(dataDir).credentials;
  const stored = await readFile(file, 'utf8')
    .then((text) => JSON.parse(text) as StoredCredentials)
    .catch(() => undefined);
  if (password !== undefined) {
    if (stored?.username === username && (await verifyPassword(password, stored.passwordHash))) return stored;
    const next = { username, passwordHash: await hashPassword(password) };
    await writeFile(file, JSON.stringify(next), { mode: 0o600 });
    return next;
  }
  const passwordFile = dataDirLayout(dataDir).initialPassword;
  if (stored?.username === username) return { ...stored, generatedPasswordFile: passwordFile };
  const generated = randomBytes(18).toString('base64url');
  const next = { username, passwordHash: await hashPassword(generated) };
  await writeFile(passwordFile, `${generated}\n`, { mode: 0o600 });
  await writeFile(file, JSON.stringify(next), { mode: 0o600 });
  return { ...next, generatedPasswordFile: passwordFile };
}

/**
 * The key that signs every session (password sign-ins and GitHub's portal), kept in the data dir
 * (0600) so sessions survive restarts. The server and the worker read it there: it is never in a
 * child's environment. ROCKPOOL_OAUTH_SIGNING_KEY, when set, is written there.
 */
export async function ensureSigningKey(dataDir: string, fromEnv?: string): Promise<string> {
  const file = dataDirLayout(dataDir).sessionSigningKey;
  const existing = (await readFile(file, 'utf8').catch(() => undefined))?.trim();
  const key = fromEnv || existing || randomBytes(48).toString('base64url');
  if (key !== existing) await writeFile(file, `${key}\n`, { mode: 0o600 });
  return key;
}
