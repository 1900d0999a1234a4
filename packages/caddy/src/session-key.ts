import { readFile } from 'node:fs/promises';

/** The session signing key file is missing or empty: the stack was not started by `rockpool up`. */
export class SessionKeyMissingError extends Error {
  readonly code = 'session_key_missing';
  constructor(readonly file: string) {
    super(`no session signing key in ${file}: \`rockpool up\` creates it; start the stack with it`);
    this.name = 'SessionKeyMissingError';
  }
}

/** The data dir's session signing key (`dataDirLayout(dir).sessionSigningKey`). */
export async function readSessionSigningKey(file: string): Promise<string> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') throw new SessionKeyMissingError(file);
    throw error;
  });
  const key = text.trim();
  if (!key) throw new SessionKeyMissingError(file);
  return key;
}
