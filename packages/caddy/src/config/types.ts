/**
 * A typed model of the Caddy JSON that Rockpool emits. Keys keep Caddy's own snake_case names so a
 * builder's output is exactly what Caddy reads; only the fields Rockpool uses are modelled.
 * Handlers are a discriminated union on `handler`, matching Caddy's module ids.
 */

/** A Go duration string ("10s", "1m", "24h") or nanoseconds; -1 where Caddy allows it. */
export type CaddyDuration = string | number;

export interface CaddyConfig {
  admin?: AdminConfig;
  logging?: LoggingConfig;
  apps: CaddyApps;
}

export interface AdminConfig {
  disabled?: boolean;
  /** `unix//path/to.sock` or `host:port`. */
  listen?: string;
  enforce_origin?: boolean;
  origins?: string[];
  config?: { persist?: boolean };
}

export interface LoggingConfig {
  logs?: Record<string, CustomLog>;
}

export interface CustomLog {
  writer?: LogWriter;
  encoder?: { format: 'json' | 'console' };
  level?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  include?: string[];
  exclude?: string[];
}

export type LogWriter =
  | { output: 'stdout' }
  | { output: 'stderr' }
  | { output: 'discard' }
  | { output: 'file'; filename: string; roll?: boolean }
  | { output: 'net'; address: string; dial_timeout?: CaddyDuration; soft_start?: boolean };

export interface CaddyApps {
  http: HttpApp;
  security?: SecurityApp;
  tls?: TlsApp;
  /** Only used by tests: a local ACME CA (`acme_server`) signs with this app's CAs. */
  pki?: PkiApp;
}

export interface HttpApp {
  http_port?: number;
  https_port?: number;
  /** How long to wait for active connections when stopping a server (not on config reloads). */
  grace_period?: CaddyDuration;
  servers: Record<string, HttpServer>;
}

export interface HttpServer {
  listen: string[];
  routes: Route[];
  errors?: { routes: Route[] };
  automatic_https?: { disable?: boolean; disable_redirects?: boolean };
  logs?: ServerLogs;
  read_header_timeout?: CaddyDuration;
  idle_timeout?: CaddyDuration;
  /**
   * Refuse requests whose Host differs from the TLS SNI. Caddy turns it on with client
   * authentication, for listeners whose policies differ by SNI.
   */
  strict_sni_host?: boolean;
  /** A non-empty list turns TLS on for this server. */
  tls_connection_policies?: TlsConnectionPolicy[];
  /** Only these peers may set the client IP through `X-Forwarded-For`. */
  trusted_proxies?: { source: 'static'; ranges: string[] };
}

export interface ServerLogs {
  default_logger_name?: string;
  should_log_credentials?: boolean;
}

export interface Route {
  '@id'?: string;
  group?: string;
  match?: MatcherSet[];
  handle?: Handler[];
  terminal?: boolean;
}

/** All matchers in one set must match (AND); a route matches if any set matches (OR). */
export interface MatcherSet {
  path?: string[];
  method?: string[];
  host?: string[];
  header?: Record<string, string[] | null>;
  /** Matches the cleaned path, like `path`. */
  path_regexp?: { name?: string; pattern: string };
  remote_ip?: { ranges: string[] };
  /** The client's IP: the peer, or what a trusted proxy says in `X-Forwarded-For`. */
  client_ip?: { ranges: string[] };
  /** Keys may be placeholders (`{http.request.tls.client.fingerprint}`); an absent one is "". */
  vars?: Record<string, string[]>;
  /** A CEL expression; `{placeholder}` shorthands are allowed. */
  expression?: string;
  not?: MatcherSet[];
}

export type Handler =
  | AuthenticationHandler
  | AuthenticatorHandler
  | AcmeServerHandler
  | HeadersHandler
  | MapHandler
  | RateLimitHandler
  | ReverseProxyHandler
  | RewriteHandler
  | StaticResponseHandler
  | SubrouteHandler;

export interface SubrouteHandler {
  handler: 'subroute';
  '@id'?: string;
  routes: Route[];
}

/**
 * Sets `destinations` (placeholders) from the first mapping whose `input` equals `source` (a
 * placeholder string), else from `defaults`. Lazy: evaluated when a destination is read.
 */
export interface MapHandler {
  handler: 'map';
  '@id'?: string;
  source: string;
  destinations: string[];
  mappings?: MapMapping[];
  defaults?: string[];
}

export interface MapMapping {
  '@id'?: string;
  input: string;
  outputs: string[];
}

export interface RewriteHandler {
  handler: 'rewrite';
  uri?: string;
  strip_path_prefix?: string;
}

export interface StaticResponseHandler {
  handler: 'static_response';
  /** A number, or a placeholder such as `{http.error.status_code}`. */
  status_code?: number | string;
  headers?: Record<string, string[]>;
  body?: string;
  close?: boolean;
}

export interface HeaderOps {
  add?: Record<string, string[]>;
  set?: Record<string, string[]>;
  delete?: string[];
  replace?: Record<string, HeaderReplacement[]>;
}

export interface HeaderReplacement {
  search?: string;
  search_regexp?: string;
  replace: string;
}

export interface HeadersHandler {
  handler: 'headers';
  request?: HeaderOps;
  response?: HeaderOps & { deferred?: boolean };
}

export interface Upstream {
  /** `host:port` or `unix//path`; placeholders allowed. */
  dial: string;
}

export interface ReverseProxyHandler {
  handler: 'reverse_proxy';
  upstreams: Upstream[];
  /** -1 flushes immediately: needed for streaming responses and server-sent events. */
  flush_interval?: CaddyDuration;
  /** Closes upgraded streams (WebSockets) after this long. */
  stream_timeout?: CaddyDuration;
  /** How long upgraded streams of an unloaded config stay open after a config reload. */
  stream_close_delay?: CaddyDuration;
  headers?: { request?: HeaderOps; response?: HeaderOps };
  transport?: HttpTransport;
}

export interface HttpTransport {
  protocol: 'http';
  dial_timeout?: CaddyDuration;
  response_header_timeout?: CaddyDuration;
  keep_alive?: { enabled?: boolean; idle_timeout?: CaddyDuration };
}

export interface AuthenticationHandler {
  handler: 'authentication';
  providers: {
    http_basic?: HttpBasicProvider;
    /** caddy-security's authorizer: validates the portal's token against a policy. */
    authorizer?: { gatekeeper_name: string; route_matcher?: string };
  };
}

/** caddy-security's portal: serves the login pages and the OAuth callbacks. */
export interface AuthenticatorHandler {
  handler: 'authenticator';
  portal_name: string;
  route_matcher?: string;
}

export interface HttpBasicProvider {
  accounts: BasicAccount[];
  hash: { algorithm: 'bcrypt' };
  realm?: string;
  /** Remembers verified passwords so repeat requests skip bcrypt; emptied by every config change. */
  hash_cache?: Record<string, never>;
}

export interface BasicAccount {
  username: string;
  /** A bcrypt hash (`$2a$...`). */
  password: string;
}

export interface RateLimitHandler {
  handler: 'rate_limit';
  /** Zone names are global in Caddy: two handlers using one name share its counters. */
  rate_limits: Record<string, RateLimitZone>;
  jitter?: number;
  sweep_interval?: CaddyDuration;
}

export interface RateLimitZone {
  match?: MatcherSet[];
  /** A placeholder string; each distinct value gets its own counter. */
  key: string;
  window: CaddyDuration;
  max_events: number;
}

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
  cookie_config?: {
    insecure?: boolean;
    lifetime?: number;
    path?: string;
    same_site?: 'lax' | 'strict' | 'none';
  };
  identity_providers: string[];
  token_validator_options?: Record<string, never>;
  crypto_key_configs: CryptoKeyConfig[];
  crypto_key_store_config?: { token_lifetime: number };
  user_transformer_configs?: UserTransformer[];
  /** Roles the portal treats as signed-in users; without one it deletes the token on its own pages. */
  portal_user_roles?: Record<string, true>;
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

/** Caddy's `tls` app: where certificates come from and how they are obtained. */
export interface TlsApp {
  certificates?: { load_files?: LoadedCertificateFile[]; automate?: string[] };
  automation?: { policies: AutomationPolicy[] };
}

export interface LoadedCertificateFile {
  /** PEM file paths. */
  certificate: string;
  key: string;
  tags?: string[];
}

export interface AutomationPolicy {
  subjects?: string[];
  issuers: AcmeIssuer[];
}

export interface AcmeIssuer {
  module: 'acme';
  /** The ACME directory URL; Let's Encrypt by default. */
  ca?: string;
  email?: string;
  /** Roots trusted when talking to the ACME server (a private CA). */
  trusted_roots_pem_files?: string[];
}

export interface TlsConnectionPolicy {
  /** Chooses among loaded certificates by tag, whatever name (or none) the client asked for. */
  certificate_selection?: { any_tag?: string[] };
  protocol_min?: 'tls1.2' | 'tls1.3';
  client_authentication?: ClientAuthentication;
}

export interface ClientAuthentication {
  ca: { provider: 'file'; pem_files: string[] };
  /** `verify_if_given`: a certificate is optional, but one that is given must chain to `ca`. */
  mode: 'request' | 'require' | 'verify_if_given' | 'require_and_verify';
}

export interface PkiApp {
  certificate_authorities?: Record<string, { name?: string; install_trust?: boolean }>;
}

export interface AcmeServerHandler {
  handler: 'acme_server';
  ca?: string;
  lifetime?: CaddyDuration;
  challenges?: ('http-01' | 'tls-alpn-01' | 'dns-01')[];
}
