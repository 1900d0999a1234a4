import bcrypt from 'bcryptjs';
import type { ReverseProxyHandler } from '../config/types.js';
import { CLIENT_IP_KEY } from './rate-limit.js';
import { authorizeSession, SESSION_POLICIES } from './session.js';

/**
 * Cost 10 takes ~70 ms per verification. Browsers pay it once, at sign-in (their session is then
 * checked with HMAC); API clients' basic auth on srv0 pays it once every few minutes (the control
 * plane remembers a right password for a while). Raise it for long human-chosen passwords.
 */
export const DEFAULT_BCRYPT_COST = 10;

export interface BasicAccountInput {
  username: string;
  /** A bcrypt hash from {@link hashPassword}, never the plain password. */
  passwordHash: string;
}

/**
 * The `@id` of srv0's basic-auth check (API clients); its presence says the edge signs in with
 * passwords. The workspace server takes no password: browsers there hold a session.
 */
export const BASIC_AUTH_ID = 'rockpool-basic-auth-control-plane';

/**
 * The header through which the edge tells the control plane the client's address (its
 * failed-sign-in budget is per client IP). Set from `{http.vars.client_ip}`, never from the request.
 */
export const CLIENT_IP_HEADER = 'X-Rockpool-Client-IP';

/** The control plane's check of basic auth. srv0 never proxies it to a client (only /api and /app). */
export const BASIC_AUTH_CHECK_PATH = '/internal/basic-auth';

/** The check's answer when the password is right: a short-lived session token for this request. */
export const BASIC_AUTH_TOKEN_HEADER = 'X-Rockpool-Basic-Auth-Token';

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

/** Checks the password users the edge derives session keys from: name rules, bcrypt hash, no duplicates. */
export function checkPasswordAccounts(accounts: readonly BasicAccountInput[]): void {
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
}

/**
 * Basic auth on srv0 (API clients, `curl -u`): the password is checked by the control plane, so
 * that every password check counts against its one failed-sign-in budget per client IP, the
 * sign-in page's included (Caddy's own `http_basic` would only meet the per-IP rate limit). A
 * forward-auth subrequest (Caddyfile `forward_auth`): the request's headers, without its body, to
 * {@link BASIC_AUTH_CHECK_PATH} on the control plane's socket. A refusal (401, or 429 with
 * Retry-After once the budget is spent) goes to the client as it is. A yes carries a token for
 * this request only, which the edge puts in place of the basic credentials and verifies like a
 * session (caddy-security's API policy): that sets the user, `{http.auth.user.id}`, exactly as a
 * session would, and the edge never trusts a plain header for it. The upstream proxies delete
 * Authorization afterwards, and access logs redact it.
 */
export function buildBasicAuthCheck(controlPlaneUpstream: string): ReverseProxyHandler {
  return {
    '@id': BASIC_AUTH_ID,
    handler: 'reverse_proxy',
    upstreams: [{ dial: controlPlaneUpstream }],
    // GET: Caddy then sends no body (the request's own body stays for its handler); `?`: no query.
    rewrite: { method: 'GET', uri: `${BASIC_AUTH_CHECK_PATH}?` },
    headers: { request: { set: { [CLIENT_IP_HEADER]: [CLIENT_IP_KEY] } } },
    handle_response: [
      {
        match: { status_code: [2] },
        routes: [
          {
            handle: [
              {
                handler: 'headers',
                request: {
                  set: { Authorization: [`Bearer {http.reverse_proxy.header.${BASIC_AUTH_TOKEN_HEADER}}`] },
                },
              },
              authorizeSession(SESSION_POLICIES.api),
            ],
          },
        ],
      },
    ],
  };
}
