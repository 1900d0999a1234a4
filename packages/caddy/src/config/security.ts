/** caddy-security (`apps.security`); shapes follow what its Caddyfile adapter emits. */
export interface SecurityApp {
  config: SecurityConfig;
}

export interface SecurityConfig {
  identity_providers?: IdentityProvider[];
  authentication_portals?: AuthenticationPortal[];
  authorization_policies?: AuthorizationPolicy[];
}

export interface IdentityProvider {
  name: string;
  kind: 'oauth';
  params: OAuthProviderParams;
}

export interface OAuthProviderParams {
  driver: 'github' | 'generic';
  realm: string;
  client_id: string;
  client_secret: string;
  scopes?: string[];
  /** Generic OAuth2/OIDC driver only. */
  base_auth_url?: string;
  metadata_url?: string;
  tls_insecure_skip_verify?: boolean;
  /** GitHub only: anchored regular expressions of the organisations fetched as `github.com/{org}/members` roles. */
  user_org_filters?: string[];
}

export interface AuthenticationPortal {
  name: string;
  ui?: Record<string, never>;
  cookie_config?: PortalCookieConfig & {
    /**
     * Per host (matched when the request's host contains the key): the cookie's Domain and
     * attributes, which replace the top-level ones (`insecure` false means Secure).
     */
    domains?: Record<string, PortalCookieConfig & { seq: number; domain: string }>;
    /**
     * No Domain for hosts that match no `domains` entry. Without it go-authcrunch sets
     * `Domain={host minus its first label}` (`example.com` for `rockpool.example.com`).
     */
    strip_domain_enabled?: boolean;
  };
  identity_providers: string[];
  token_validator_options?: Record<string, never>;
  crypto_key_configs: CryptoKeyConfig[];
  crypto_key_store_config?: { token_lifetime: number };
  user_transformer_configs?: UserTransformer[];
  /** Roles the portal treats as signed-in users; without one it deletes the token on its own pages. */
  portal_user_roles?: Record<string, true>;
}

export interface PortalCookieConfig {
  insecure?: boolean;
  lifetime?: number;
  path?: string;
  same_site?: 'lax' | 'strict' | 'none';
}

export interface CryptoKeyConfig {
  id: string;
  usage: 'sign-verify' | 'verify';
  token_name: string;
  source: 'config';
  algorithm: 'hmac';
  token_lifetime: number;
  token_secret: string;
}

export interface UserTransformer {
  /** e.g. `exact match realm github`. */
  matchers: string[];
  /** e.g. `action add role rockpool/user`. */
  actions: string[];
}

export interface AuthorizationPolicy {
  name: string;
  /** A path on the same origin, or an absolute URL (another origin's portal). */
  auth_url_path: string;
  /** Answer 401 instead of redirecting to the portal. */
  disable_auth_redirect?: boolean;
  auth_redirect_query_param?: string;
  auth_redirect_status_code?: number;
  /** Which token claim becomes `{http.auth.user.id}`: `sub`, `id`, or (default) the e-mail, else `sub`. */
  user_identity_field?: 'sub' | 'id';
  /** Where sessions are read from: `cookie`, `header` (Authorization), `query` (all three by default). */
  allowed_token_sources?: ('cookie' | 'header' | 'query')[];
  /** Reads `Authorization: Bearer <token>` too. */
  validate_bearer_header?: boolean;
  header_injection_configs?: { header: string; field: string }[];
  access_list_rules: AccessListRule[];
  crypto_key_configs: CryptoKeyConfig[];
}

export interface AccessListRule {
  /** e.g. `match roles rockpool/user`. */
  conditions: string[];
  /** e.g. `allow log debug`. */
  action: string;
}
