import type { HttpServer, TlsApp } from '../config/types.js';
import {
  type AccessOptions,
  accessRefusalRoute,
  clientAuthentication,
  type EdgeServerRole,
  type ResolvedAccess,
  resolveAccess,
} from './access.js';
import { EdgeConfigError } from './errors.js';
import {
  assertTlsOptions,
  buildTlsApp,
  httpsRedirectServer,
  listenPort,
  type TlsOptions,
  tlsConnectionPolicies,
} from './tls.js';

/** TLS and access control at the edge. */
export interface EdgeSecurityOptions {
  tls: TlsOptions;
  access: AccessOptions;
  /** With TLS on: plain HTTP on this address (e.g. `:80`) redirects to the control plane over HTTPS. */
  httpRedirectListen?: string;
}

export const HTTP_REDIRECT_SERVER = 'srv-http';

export interface ResolvedEdgeSecurity {
  tls: TlsOptions;
  access: ResolvedAccess;
  httpRedirectListen?: string;
}

export function resolveEdgeSecurity(options: EdgeSecurityOptions | undefined): ResolvedEdgeSecurity {
  if (!options) return { tls: { mode: 'off' }, access: resolveAccess({ mode: 'all' }) };
  assertTlsOptions(options.tls);
  const access = resolveAccess(options.access);
  if (access.mode === 'mtls-app' && options.tls.mode === 'off')
    throw new EdgeConfigError(
      'invalid_access_mode',
      'access mode mtls-app needs TLS: choose a TLS mode other than off',
    );
  return {
    tls: options.tls,
    access,
    ...(options.tls.mode !== 'off' && options.httpRedirectListen
      ? { httpRedirectListen: options.httpRedirectListen }
      : {}),
  };
}

/** The server with the access check as its first route, TLS and the trusted proxies. */
export function secureServer(
  server: HttpServer,
  role: EdgeServerRole,
  edge: ResolvedEdgeSecurity,
): HttpServer {
  const refusal = accessRefusalRoute(edge.access, role);
  const clientAuth = clientAuthentication(edge.access);
  const policies = role === 'http-redirect' ? undefined : tlsConnectionPolicies(edge.tls, clientAuth);
  return {
    ...server,
    routes: refusal ? [refusal, ...server.routes] : server.routes,
    ...(policies ? { tls_connection_policies: policies } : {}),
    // One policy covers the whole listener, so a client cannot dodge client authentication with
    // another SNI; strict matching would only refuse clients that connect by IP (no SNI).
    ...(policies && clientAuth ? { strict_sni_host: false } : {}),
    ...(edge.access.trustedProxies.length
      ? { trusted_proxies: { source: 'static' as const, ranges: edge.access.trustedProxies } }
      : {}),
  };
}

/** The extra pieces of the http app and the tls app for these settings. */
export function edgeSecurityApps(
  edge: ResolvedEdgeSecurity,
  controlPlaneListen: string,
): { tls?: TlsApp; http_port?: number; https_port?: number; servers: Record<string, HttpServer> } {
  const tls = buildTlsApp(edge.tls);
  if (!tls) return { servers: {} };
  const httpsPort = listenPort(controlPlaneListen);
  if (!edge.httpRedirectListen) return { tls, https_port: httpsPort, servers: {} };
  return {
    tls,
    // ACME HTTP-01 challenges are answered by whichever server listens on http_port.
    http_port: listenPort(edge.httpRedirectListen),
    https_port: httpsPort,
    servers: {
      [HTTP_REDIRECT_SERVER]: secureServer(
        httpsRedirectServer(edge.httpRedirectListen, httpsPort),
        'http-redirect',
        edge,
      ),
    },
  };
}
