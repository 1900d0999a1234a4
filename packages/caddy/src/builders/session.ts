import { createHmac } from 'node:crypto';
import type {
  AccessListRule,
  AuthenticationHandler,
  AuthorizationPolicy,
  CryptoKeyConfig,
  Handler,
  Route,
} from '../config/types.js';

/**
 * The cookie (and token name) that carries a session, whoever issued it: caddy-security's portal
 * (GitHub, OIDC) or the control plane's password sign-in. The workspace route strips it upstream.
 */
export const SESSION_COOKIE = 'access_token';

/**
 * The role every session carries: caddy-security's portal gives it to allowed GitHub/OIDC users,
 * the control plane's sign-in to password users.
 */
export const SESSION_ROLE = 'rockpool/user';

/** Default session length: 12 h. */
export const DEFAULT_SESSION_LIFETIME_S = 12 * 3600;

/**
 * caddy-security's policies. Browsers (`Accept: text/html`) without a session are sent to the
 * sign-in page; any other request gets 401 JSON (the edge's error route), never a redirect.
 */
export const SESSION_POLICIES = {
  /** srv0, browsers: redirected to `/auth/` on the same origin. */
  controlPlane: 'rockpool-session',
  /** srv1, browsers: redirected to the sign-in page on the control-plane origin. */
  workspaces: 'rockpool-session-workspaces',
  /** Both servers, everything but a browser navigation: 401. */
  api: 'rockpool-session-api',
} as const;

/**
 * The key a password user's sessions are signed with: derived from the signing key, the user and
 * their current password hash. The edge verifies with the keys of the users as they are now (see
 * {@link passwordSessionKeys}): a new password (or removing and re-adding the user, which salts a
 * new hash) changes the key, and a removed user has none, so their sessions fail verification
 * exactly like a forged token (the browser is sent to sign in, an API client gets 401).
 */
export function passwordSessionKey(signingKey: string, username: string, passwordHash: string): string {
  return createHmac('sha256', signingKey)
    .update(`rockpool-session\n${username}\n${passwordHash}`)
    .digest('base64url');
}

/** The edge's verification keys: one per password user. */
export function passwordSessionKeys(
  signingKey: string,
  accounts: readonly { username: string; passwordHash: string }[],
  lifetime = DEFAULT_SESSION_LIFETIME_S,
): CryptoKeyConfig[] {
  if (accounts.length === 0) throw new RangeError('password sign-in needs at least one user');
  return accounts.map((account, index) =>
    sessionKey(
      passwordSessionKey(signingKey, account.username, account.passwordHash),
      lifetime,
      'verify',
      index,
    ),
  );
}

/** The ACL: sessions carry the role {@link SESSION_ROLE} (caddy-security's portal adds it to allowed users). */
export const SESSION_ACCESS_LIST: AccessListRule[] = [
  { conditions: [`match roles ${SESSION_ROLE}`], action: 'allow log debug' },
];

export interface SessionPolicyOptions {
  /** The verification keys: the signing key (portal), or one per password user. */
  keys: CryptoKeyConfig[];
  /**
   * The sign-in page's absolute URL on the control-plane origin, for srv1's browsers (another
   * origin). Without it srv1 answers 401 to browsers too.
   */
  signInUrl?: string;
  /**
   * Send the control plane's browsers to `signInUrl` as well, rather than to `/auth/` on whatever
   * name they used: for a session cookie with a Domain (subdomain mode), which a sign-in under
   * another name (`localhost` for `rockpool.localhost`) could not set.
   */
  absoluteSignIn?: boolean;
}

export function sessionKey(
  signingKey: string,
  lifetime: number,
  usage: CryptoKeyConfig['usage'],
  index = 0,
): CryptoKeyConfig {
  if (signingKey.length < 32) throw new RangeError('the session signing key needs at least 32 characters');
  return {
    id: String(index),
    usage,
    token_name: SESSION_COOKIE,
    source: 'config',
    algorithm: 'hmac',
    token_lifetime: lifetime,
    token_secret: signingKey,
  };
}

/** caddy-security's three session policies (see {@link SESSION_POLICIES}): HMAC check, no bcrypt. */
export function buildSessionPolicies(options: SessionPolicyOptions): AuthorizationPolicy[] {
  if (options.signInUrl !== undefined) {
    const url = URL.canParse(options.signInUrl) ? new URL(options.signInUrl) : undefined;
    if (!url || !['http:', 'https:'].includes(url.protocol))
      throw new RangeError(`the sign-in URL must be an absolute http(s) URL (got ${options.signInUrl})`);
  }
  const policy = (
    name: string,
    redirect: Pick<AuthorizationPolicy, 'auth_url_path' | 'disable_auth_redirect'>,
  ): AuthorizationPolicy => ({
    name,
    ...redirect,
    auth_redirect_query_param: 'redirect_url',
    auth_redirect_status_code: 302,
    // `{http.auth.user.id}` (the X-Rockpool-User header, the rate-limit key, workspace ownership)
    // is the token's subject: the username of a password user, `github.com/alice` for GitHub.
    user_identity_field: 'sub',
    // The cookie for browsers, `Authorization: Bearer` for scripts holding a session; never the
    // query string, where a token would end up in logs and Referer headers.
    allowed_token_sources: ['cookie', 'header'],
    validate_bearer_header: true,
    access_list_rules: SESSION_ACCESS_LIST,
    crypto_key_configs: options.keys,
  });
  return [
    policy(SESSION_POLICIES.controlPlane, {
      auth_url_path: options.signInUrl && options.absoluteSignIn ? options.signInUrl : '/auth/',
    }),
    policy(
      SESSION_POLICIES.workspaces,
      options.signInUrl
        ? { auth_url_path: options.signInUrl }
        : { auth_url_path: '/auth/', disable_auth_redirect: true },
    ),
    policy(SESSION_POLICIES.api, { auth_url_path: '/auth/', disable_auth_redirect: true }),
  ];
}

/** caddy-security's check of a session (cookie or bearer token) under one of {@link SESSION_POLICIES}. */
export const authorizeSession = (policy: string): AuthenticationHandler => ({
  handler: 'authentication',
  providers: { authorizer: { gatekeeper_name: policy, route_matcher: '*' } },
});

/**
 * The session check of one server, and before it (srv0, password sign-in) basic auth for API
 * clients that send `Authorization: Basic`. One route group: only the first matching route runs.
 */
export function sessionCheck(server: 'control-plane' | 'workspaces', basicAuth?: Handler): Handler {
  const group = 'rockpool-sign-in';
  const routes: Route[] = [];
  if (basicAuth)
    routes.push({ group, match: [{ header: { Authorization: ['Basic *'] } }], handle: [basicAuth] });
  routes.push(
    {
      group,
      match: [{ header: { Accept: ['*text/html*'] } }],
      handle: [
        authorizeSession(
          server === 'control-plane' ? SESSION_POLICIES.controlPlane : SESSION_POLICIES.workspaces,
        ),
      ],
    },
    { group, handle: [authorizeSession(SESSION_POLICIES.api)] },
  );
  return { handler: 'subroute', routes };
}

export interface SessionClaims {
  /** The user id the edge passes on: a username. */
  sub: string;
  /** {@link SESSION_ROLE}. */
  roles: string[];
  /** Seconds since the epoch. */
  iat: number;
  exp: number;
}

/**
 * A session token: a JWT (HS512) that caddy-security's policies verify with the same key (for a
 * password user, their {@link passwordSessionKey}).
 */
export function signSessionToken(claims: SessionClaims, signingKey: string): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${part({ alg: 'HS512', typ: 'JWT' })}.${part(claims)}`;
  const signature = createHmac('sha512', signingKey).update(unsigned).digest('base64url');
  return `${unsigned}.${signature}`;
}
