import bcrypt from 'bcryptjs';
import type { AuthenticationHandler } from '../config/types.js';

/**
 * Cost 10 takes ~70 ms per verification. Browsers pay it once, at sign-in (their session is then
 * checked with HMAC); API clients' basic auth on srv0 pays it again after each config change,
 * which empties Caddy's `hash_cache`. Raise it for long human-chosen passwords.
 */
export const DEFAULT_BCRYPT_COST = 10;

export interface BasicAccountInput {
  username: string;
  /** A bcrypt hash from {@link hashPassword}, never the plain password. */
  passwordHash: string;
}

export interface BasicAuthOptions {
  accounts: BasicAccountInput[];
  realm?: string;
}

/**
 * The `@id` of srv0's `http_basic` handler (API clients), whose accounts change at run time. The
 * workspace server takes no password: browsers there hold a session.
 */
export const BASIC_AUTH_ID = 'rockpool-basic-auth-control-plane';

export async function hashPassword(password: string, cost = DEFAULT_BCRYPT_COST): Promise<string> {
  if (password.length === 0) throw new RangeError('a password must not be empty');
  // bcrypt ignores everything past 72 bytes: refuse instead of silently truncating.
  if (Buffer.byteLength(password, 'utf8') > 72) throw new RangeError('a password has at most 72 bytes');
  if (!Number.isInteger(cost) || cost < 4 || cost > 31) throw new RangeError('bcrypt cost is 4-31');
  return bcrypt.hash(password, cost);
}

export function verifyPassword(password: string, hash: string): Promise<boolean> {
  return bcrypt.compare(password, hash);
}

const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
const BCRYPT_HASH = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;

/** Caddy's `http_basic` accounts for these users, each checked (name rules, bcrypt hash, no duplicates). */
export function basicAccounts(accounts: BasicAccountInput[]): { username: string; password: string }[] {
  if (accounts.length === 0) throw new RangeError('basic auth needs at least one account');
  const seen = new Set<string>();
  for (const { username, passwordHash } of accounts) {
    if (!USERNAME.test(username))
      throw new RangeError(`invalid username ${JSON.stringify(username)}: letters, digits, . _ @ - (max 64)`);
    if (seen.has(username)) throw new RangeError(`duplicate username ${JSON.stringify(username)}`);
    seen.add(username);
    if (!BCRYPT_HASH.test(passwordHash))
      throw new RangeError(`the password of ${username} must be a bcrypt hash (use hashPassword())`);
  }
  return accounts.map(({ username, passwordHash }) => ({ username, password: passwordHash }));
}

export function buildBasicAuthHandler(options: BasicAuthOptions, id?: string): AuthenticationHandler {
  return {
    ...(id ? { '@id': id } : {}),
    handler: 'authentication',
    providers: {
      http_basic: {
        accounts: basicAccounts(options.accounts),
        hash: { algorithm: 'bcrypt' },
        hash_cache: {},
        realm: options.realm ?? 'Rockpool',
      },
    },
  };
}
