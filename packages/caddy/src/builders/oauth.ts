import { workspaceDomainProblem } from '@rockpool/model';
import type { AuthenticationPortal, IdentityProvider, UserTransformer } from '../config/types.js';
import type { EdgeAuth } from './edge-auth.js';
import { buildSessionPolicies, DEFAULT_SESSION_LIFETIME_S, SESSION_ROLE, sessionKey } from './session.js';

export type OAuthProvider =
  | { kind: 'github'; clientId: string; clientSecret: string }
  | {
      /** caddy-security's generic OAuth2/OIDC driver (any OIDC provider; used to test the flow locally). */
      kind: 'generic';
      realm: string;
      clientId: string;
      clientSecret: string;
      /** e.g. `https://idp.example.com/.well-known/openid-configuration`. */
      metadataUrl: string;
      baseAuthUrl: string;
      scopes?: string[];
    };

export interface OAuthOptions {
  provider: OAuthProvider;
  /** Signs the session tokens. Explicit, so logins survive restarts; at least 32 characters. */
  signingKey: string;
  /** Who gets in. Nobody does unless listed: never "any GitHub account". */
  allow: {
    /** GitHub logins (the token's `sub` is `github.com/{login}`) or OIDC subjects. */
    users?: string[];
    /**
     * GitHub organisations. caddy-security asks GitHub for the user's organisations only when the
     * provider has `user_org_filters` (and the `read:org` scope); each listed one becomes the role
     * `github.com/{org}/members`, which is what the allow list matches.
     */
    orgs?: string[];
    /** E-mail addresses as the provider reports them. */
    emails?: string[];
  };
  /** Session length in seconds. Default 12 h. */
  tokenLifetime?: number;
  /**
   * The portal's absolute URL on the control-plane origin, e.g. `https://rockpool.example.com/auth/`.
   * Workspace traffic (srv1) needs the same session; a browser without one is sent here and comes
   * back to the workspace after login. Without it srv1 answers 401 to anonymous requests.
   */
  portalUrl?: string;
  /** Allow the session cookie over plain HTTP (local use only). */
  insecureCookie?: boolean;
  /**
   * Subdomain routing: the session cookie's Domain, so every workspace host receives it. The
   * workspace domain or a parent of it that is also a parent of (or equal to) the control plane's
   * host, which sets it: `rockpool.example.com` for the control plane there and workspaces under
   * `ws.rockpool.example.com`. The same Domain the control plane's password sign-in sets.
   * Without it the cookie is host-only (the control plane's host alone).
   */
  cookieDomain?: string;
}

export const OAUTH_PORTAL = 'rockpool-portal';

/** GitHub OAuth (or a generic OIDC provider) through caddy-security: provider, portal and policy. */
export function buildOAuthAuth(options: OAuthOptions): EdgeAuth {
  const realm = options.provider.kind === 'github' ? 'github' : options.provider.realm;
  const transforms: UserTransformer[] = [];
  const grant = (matcher: string): UserTransformer => ({
    matchers: [`exact match realm ${realm}`, matcher],
    actions: [`action add role ${SESSION_ROLE}`],
  });
  for (const user of options.allow.users ?? [])
    transforms.push(
      grant(
        options.provider.kind === 'github' ? `exact match sub github.com/${user}` : `exact match sub ${user}`,
      ),
    );
  for (const org of options.allow.orgs ?? [])
    transforms.push(
      grant(
        options.provider.kind === 'github'
          ? `exact match roles github.com/${org}/members`
          : `exact match roles ${org}`,
      ),
    );
  for (const email of options.allow.emails ?? []) transforms.push(grant(`exact match email ${email}`));
  if (transforms.length === 0)
    throw new RangeError('OAuth needs an allow list (users, orgs or emails): refusing to let any account in');
  for (const value of [
    ...(options.allow.users ?? []),
    ...(options.allow.orgs ?? []),
    ...(options.allow.emails ?? []),
  ])
    if (!/^[A-Za-z0-9@._+-]+$/.test(value))
      throw new RangeError(`invalid allow-list entry ${JSON.stringify(value)}`);

  if (options.cookieDomain !== undefined) {
    const problem = workspaceDomainProblem(options.cookieDomain);
    if (problem) throw new RangeError(`invalid OAuth cookieDomain (a DNS name): ${problem}`);
  }
  const lifetime = options.tokenLifetime ?? DEFAULT_SESSION_LIFETIME_S;
  const provider: IdentityProvider =
    options.provider.kind === 'github'
      ? {
          name: 'github',
          kind: 'oauth',
          params: {
            driver: 'github',
            realm: 'github',
            client_id: options.provider.clientId,
            client_secret: options.provider.clientSecret,
            ...(options.allow.orgs?.length
              ? {
                  scopes: ['read:user', 'read:org'],
                  // Exact, anchored patterns: only the listed organisations are fetched as roles.
                  user_org_filters: options.allow.orgs.map((org) => `^${escapeRegExp(org)}$`),
                }
              : { scopes: ['read:user'] }),
          },
        }
      : {
          name: options.provider.realm,
          kind: 'oauth',
          params: {
            driver: 'generic',
            realm: options.provider.realm,
            client_id: options.provider.clientId,
            client_secret: options.provider.clientSecret,
            scopes: options.provider.scopes ?? ['openid', 'email', 'profile'],
            metadata_url: options.provider.metadataUrl,
            base_auth_url: options.provider.baseAuthUrl,
          },
        };
  return {
    kind: 'portal',
    portalName: OAUTH_PORTAL,
    ...(options.cookieDomain ? { cookieDomain: options.cookieDomain } : {}),
    app: {
      config: {
        identity_providers: [provider],
        authentication_portals: [
          {
            name: OAUTH_PORTAL,
            identity_providers: [provider.name],
            cookie_config: portalCookie(options),
            crypto_key_configs: [sessionKey(options.signingKey, lifetime, 'sign-verify')],
            crypto_key_store_config: { token_lifetime: lifetime },
            user_transformer_configs: transforms,
            portal_user_roles: { [SESSION_ROLE]: true },
          },
        ],
        authorization_policies: buildSessionPolicies({
          keys: [sessionKey(options.signingKey, lifetime, 'verify')],
          ...(options.portalUrl ? { signInUrl: options.portalUrl } : {}),
          // The portal's cookie has a Domain: only the portal's own host can set it.
          ...(options.cookieDomain ? { absoluteSignIn: true } : {}),
        }),
      },
    },
  };
}

/**
 * Host-only (no Domain) or `cookieDomain`; Secure unless insecureCookie; SameSite=Lax: Strict would
 * drop the cookie on the redirect chain that starts at the provider and loop the login.
 */
function portalCookie(options: OAuthOptions): AuthenticationPortal['cookie_config'] {
  const attributes = { ...(options.insecureCookie ? { insecure: true } : {}), same_site: 'lax' as const };
  return {
    ...attributes,
    ...(options.cookieDomain
      ? { domains: { [options.cookieDomain]: { seq: 1, domain: options.cookieDomain, ...attributes } } }
      : {}),
    strip_domain_enabled: true,
  };
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
