import type { BasicAccountInput } from '../builders/basic-auth.js';
import { passwordSessionKey, SESSION_COOKIE, SESSION_ROLE, signSessionToken } from '../builders/session.js';
import { type EdgeRequestOptions, edgeRequest } from './edge-request.js';

/** The session signing key of test edges (never a real one). */
export const TEST_SIGNING_KEY = 'test-session-signing-key-0123456789abcdef';

export interface TestSessionOptions {
  signingKey?: string;
  lifetimeS?: number;
  now?: number;
}

/** `access_token=…`: a session for this account, as the control plane's sign-in issues it. */
export function sessionCookieFor(account: BasicAccountInput, options: TestSessionOptions = {}): string {
  return `${SESSION_COOKIE}=${sessionTokenFor(account, options)}`;
}

/** A session token for this account, as the control plane's sign-in issues it. */
export function sessionTokenFor(account: BasicAccountInput, options: TestSessionOptions = {}): string {
  const iat = Math.floor((options.now ?? Date.now()) / 1000);
  return signSessionToken(
    {
      sub: account.username,
      roles: [SESSION_ROLE],
      iat,
      exp: iat + (options.lifetimeS ?? 3600),
    },
    passwordSessionKey(options.signingKey ?? TEST_SIGNING_KEY, account.username, account.passwordHash),
  );
}

/**
 * Signs in at a running control plane (`POST /api/session`, as the sign-in page does) and returns
 * the session for a Cookie header (`access_token=…`): what a browser holds afterwards.
 */
export async function signInCookie(
  controlPlaneUrl: string,
  user: { username: string; password: string },
  options: Pick<EdgeRequestOptions, 'ca' | 'localAddress'> = {},
): Promise<string> {
  const res = await edgeRequest(`${controlPlaneUrl}/api/session`, {
    ...options,
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: user.username, password: user.password }),
  });
  const line = [res.headers['set-cookie'] ?? []].flat().find((c) => c.startsWith(`${SESSION_COOKIE}=`));
  if (res.status !== 200 || !line)
    throw new Error(`signing in as ${user.username} failed: ${res.status} ${res.body}`);
  return line.split(';')[0] as string;
}
