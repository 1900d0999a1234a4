import type { ClientAuthentication, MatcherSet, Route } from '../config/types.js';
import { EdgeConfigError } from './errors.js';
import { parseIpRanges } from './ip-ranges.js';
import { jsonErrorBody } from './json-error.js';

export const ACCESS_MODES = ['all', 'restrict-app', 'restrict-all', 'mtls-app'] as const;
export type AccessMode = (typeof ACCESS_MODES)[number];

export interface AccessOptions {
  /**
   * - `all`: no restriction (not recommended on a network you do not control);
   * - `restrict-app`: only `allow` reaches the control plane and the IDEs; forwarded ports and
   *   `/api/health` stay reachable from anywhere (still behind authentication);
   * - `restrict-all`: only `allow` reaches anything;
   * - `mtls-app`: a client certificate signed by `clientCaFile` is required for the control plane
   *   and the IDEs; forwarded ports and `/api/health` do not need one. Needs TLS.
   */
  mode: AccessMode;
  /** IP addresses and CIDR ranges allowed in the `restrict-*` modes. */
  allow?: string[];
  /** Proxies whose `X-Forwarded-For` is believed; from anyone else the peer address is the client. */
  trustedProxies?: string[];
  /** PEM file of the client CA (`mtls-app`). */
  clientCaFile?: string;
}

/** Options after validation: ranges trimmed and checked. */
export interface ResolvedAccess {
  mode: AccessMode;
  allow: string[];
  trustedProxies: string[];
  clientCaFile?: string;
}

/** Which kind of server a refusal route is for. */
export type EdgeServerRole = 'control-plane' | 'workspaces' | 'http-redirect';

/**
 * Forwarded app ports, matched on the cleaned path like the workspace routes themselves (see
 * the workspace routing's `/workspace/{name}/port/{port}`), so `..` or `//` cannot make an IDE request look like a port request.
 */
export const FORWARDED_PORT_PATH = '^/workspace/[^/]+/port/[0-9]+(/.*)?$';
const HEALTH_PATH = '/api/health';
/** Absent (no verified client certificate) reads as "" in the `vars` matcher. */
const CLIENT_CERT_FINGERPRINT = '{http.request.tls.client.fingerprint}';

export function isAccessMode(value: unknown): value is AccessMode {
  return typeof value === 'string' && (ACCESS_MODES as readonly string[]).includes(value);
}

export function resolveAccess(options: AccessOptions): ResolvedAccess {
  if (!isAccessMode(options.mode))
    throw new EdgeConfigError(
      'invalid_access_mode',
      `unknown access mode ${JSON.stringify(options.mode)}: use one of ${ACCESS_MODES.join(', ')}`,
    );
  const allow = parseIpRanges(options.allow ?? [], 'allow list');
  const trustedProxies = parseIpRanges(options.trustedProxies ?? [], 'trusted proxies');
  if ((options.mode === 'restrict-app' || options.mode === 'restrict-all') && allow.length === 0)
    throw new EdgeConfigError(
      'invalid_access_mode',
      `access mode ${options.mode} needs an allow list of IP addresses or CIDR ranges`,
    );
  if (options.mode === 'mtls-app' && !options.clientCaFile)
    throw new EdgeConfigError(
      'invalid_access_mode',
      'access mode mtls-app needs the client CA certificate file',
    );
  return {
    mode: options.mode,
    allow,
    trustedProxies,
    ...(options.mode === 'mtls-app' ? { clientCaFile: options.clientCaFile } : {}),
  };
}

function refusal(match: MatcherSet, code: string, message: string): Route {
  return {
    '@id': 'rockpool-access',
    match: [match],
    handle: [
      {
        handler: 'static_response',
        status_code: 403,
        headers: { 'Content-Type': ['application/json'] },
        body: jsonErrorBody(code, message),
      },
    ],
    terminal: true,
  };
}

/** Requests that need no permission in the `*-app` modes on a server of this role. */
function openPaths(role: EdgeServerRole): MatcherSet[] {
  if (role === 'control-plane') return [{ path: [HEALTH_PATH] }];
  if (role === 'workspaces') return [{ path_regexp: { pattern: FORWARDED_PORT_PATH } }];
  return [];
}

/**
 * The first route of a server: it answers 403 to a client that may not go further, before
 * authentication and before any workspace route (those added at run time included, since they
 * live in a subroute further down).
 */
export function accessRefusalRoute(access: ResolvedAccess, role: EdgeServerRole): Route | undefined {
  const notAllowedIp = "Your IP address is not in this Rockpool's allow list.";
  switch (access.mode) {
    case 'all':
      return undefined;
    case 'restrict-all':
      return refusal({ not: [{ client_ip: { ranges: access.allow } }] }, 'client_not_allowed', notAllowedIp);
    case 'restrict-app':
      if (role === 'http-redirect') return undefined;
      return refusal(
        { not: [...openPaths(role), { client_ip: { ranges: access.allow } }] },
        'client_not_allowed',
        notAllowedIp,
      );
    case 'mtls-app':
      if (role === 'http-redirect') return undefined;
      return refusal(
        { vars: { [CLIENT_CERT_FINGERPRINT]: [''] }, not: openPaths(role) },
        'client_certificate_required',
        'This Rockpool needs a client certificate: import your .p12 into the browser and reload.',
      );
  }
}

/**
 * TLS client authentication is per connection, and forwarded ports share srv1 (one listener) with
 * the IDEs, so a certificate cannot be required at the handshake. `verify_if_given` makes the
 * handshake fail for a certificate from another CA and lets a connection without one through;
 * {@link accessRefusalRoute} then refuses such requests except to the open paths.
 */
export function clientAuthentication(access: ResolvedAccess): ClientAuthentication | undefined {
  if (access.mode !== 'mtls-app' || !access.clientCaFile) return undefined;
  return { ca: { provider: 'file', pem_files: [access.clientCaFile] }, mode: 'verify_if_given' };
}
