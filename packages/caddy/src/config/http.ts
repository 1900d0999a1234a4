/** Caddy's `http` app: servers, routes, matchers and the handlers Rockpool uses (see types.ts). */
import type { TlsConnectionPolicy } from './tls.js';

/** A Go duration string ("10s", "1m", "24h") or nanoseconds; -1 where Caddy allows it. */
export type CaddyDuration = string | number;

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
  /**
   * A header's values against a regular expression, as sent (no placeholder expansion); `Host`
   * is the request's Host. Captures are `{http.regexp.{name}.{n}}`, like `path_regexp`'s.
   */
  header_regexp?: Record<string, { name?: string; pattern: string }>;
  remote_ip?: { ranges: string[] };
  /** The client's IP: the peer, or what a trusted proxy says in `X-Forwarded-For`. */
  client_ip?: { ranges: string[] };
  /**
   * Keys may be placeholders (`{http.request.tls.client.fingerprint}`); an absent one is "". Values
   * are expanded too (`{http.auth.user.id}`). Matches if ANY key has any of its values (Caddy
   * 2.10's VarsMatcher): one key per matcher, and AND through another set (`not`, a subroute).
   */
  vars?: Record<string, string[]>;
  /**
   * Like `vars`, with a regular expression. Caddy expands placeholders in the request's value before
   * matching, so a client can hide text inside `{...}`: never use it where that text matters.
   */
  vars_regexp?: Record<string, { name?: string; pattern: string }>;
  /**
   * A CEL expression; `{placeholder}` shorthands are allowed. Each one costs ~0.4 ms of Caddy's
   * provisioning on every admin change (an environment and a compile, twice): prefer `vars`.
   */
  expression?: string;
  not?: MatcherSet[];
}

export type Handler =
  | AuthenticationHandler
  | AuthenticatorHandler
  | AcmeServerHandler
  | ErrorHandler
  | HeadersHandler
  | LogAppendHandler
  | MapHandler
  | RateLimitHandler
  | RequestBodyHandler
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
/** Adds a field to the request's access log entry (placeholders expanded). */
export interface LogAppendHandler {
  handler: 'log_append';
  key: string;
  value: string;
}

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

/**
 * Limits the request body: reading past `max_size` bytes fails, and the request is answered 413
 * (through the server's error routes).
 */
export interface RequestBodyHandler {
  handler: 'request_body';
  max_size?: number;
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
  '@id'?: string;
  handler: 'reverse_proxy';
  upstreams: Upstream[];
  /**
   * Rewrites the upstream's copy of the request, not the request itself (forward auth). With
   * method GET or HEAD Caddy sends no body. A `uri` with `?` replaces the query (empty: none).
   */
  rewrite?: { method?: string; uri?: string };
  /** -1 flushes immediately: needed for streaming responses and server-sent events. */
  flush_interval?: CaddyDuration;
  /** Closes upgraded streams (WebSockets) after this long. */
  stream_timeout?: CaddyDuration;
  /** How long upgraded streams of an unloaded config stay open after a config reload. */
  stream_close_delay?: CaddyDuration;
  headers?: { request?: HeaderOps; response?: HeaderOps };
  transport?: HttpTransport;
  /** Routes run instead of copying the upstream's response, for the first handler that matches it. */
  handle_response?: ResponseHandler[];
}

export interface ResponseHandler {
  match?: { status_code?: number[]; headers?: Record<string, string[]> };
  routes?: Route[];
}

/** Raises an error: the server's `errors` routes answer it, as for a failed upstream. */
export interface ErrorHandler {
  handler: 'error';
  status_code?: number | string;
  error?: string;
}

export interface HttpTransport {
  protocol: 'http';
  dial_timeout?: CaddyDuration;
  response_header_timeout?: CaddyDuration;
  keep_alive?: { enabled?: boolean; idle_timeout?: CaddyDuration };
}

export interface AuthenticationHandler {
  '@id'?: string;
  handler: 'authentication';
  providers: {
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

export interface AcmeServerHandler {
  handler: 'acme_server';
  ca?: string;
  lifetime?: CaddyDuration;
  challenges?: ('http-01' | 'tls-alpn-01' | 'dns-01')[];
}
