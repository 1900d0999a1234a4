import { parseWorkspaceHost, workspaceDomainProblem } from '@rockpool/model';
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
import { TLS_ASK_SERVER, type TlsAskOptions, tlsAskProblem, tlsAskServer } from './on-demand-tls.js';
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
  /**
   * The parent of every workspace host (`ws.example.com`: `alice.ws.example.com`). Only TLS uses it
   * here: acme gets certificates for its hosts on demand, after asking the control plane.
   */
  workspaceDomain?: string;
  /** acme with a workspace domain: where Caddy's on-demand ask goes (see on-demand-tls.ts). */
  tlsAsk?: TlsAskOptions;
}

export const HTTP_REDIRECT_SERVER = 'srv-http';

export interface ResolvedEdgeSecurity {
  tls: TlsOptions;
  access: ResolvedAccess;
  httpRedirectListen?: string;
  workspaceDomain?: string;
  tlsAsk?: TlsAskOptions;
}

function resolveWorkspaceTls(
  options: EdgeSecurityOptions,
): Pick<ResolvedEdgeSecurity, 'workspaceDomain' | 'tlsAsk'> {
  const domain = options.workspaceDomain;
  if (domain === undefined) return {};
  const problem = workspaceDomainProblem(domain);
  if (problem) throw new EdgeConfigError('invalid_workspace_domain', `invalid workspace domain: ${problem}`);
  if (options.tls.mode !== 'acme') return { workspaceDomain: domain };
  if (parseWorkspaceHost(options.tls.domain, domain))
    throw new EdgeConfigError(
      'invalid_workspace_domain',
      `the control plane's domain ${options.tls.domain} is a workspace host under ${domain}: use a workspace domain that does not contain it as a direct subdomain`,
    );
  const askProblem = tlsAskProblem(options.tlsAsk);
  if (askProblem) throw new EdgeConfigError('invalid_tls_settings', askProblem);
  return { workspaceDomain: domain, tlsAsk: options.tlsAsk as TlsAskOptions };
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
    ...resolveWorkspaceTls(options),
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

/**
 * The extra pieces of the http app and the tls app for these settings: the HTTP redirect server,
 * and with acme and a workspace domain the loopback server that forwards the on-demand ask to the
 * control plane (srv0 listens on `controlPlaneListen`; the control plane at `controlPlaneUpstream`).
 */
export function edgeSecurityApps(
  edge: ResolvedEdgeSecurity,
  { controlPlaneListen, controlPlaneUpstream }: { controlPlaneListen: string; controlPlaneUpstream: string },
): { tls?: TlsApp; http_port?: number; https_port?: number; servers: Record<string, HttpServer> } {
  const onDemand =
    edge.tls.mode === 'acme' && edge.workspaceDomain && edge.tlsAsk
      ? { domain: edge.workspaceDomain, ask: edge.tlsAsk }
      : undefined;
  const tls = buildTlsApp(edge.tls, onDemand);
  if (!tls) return { servers: {} };
  const servers: Record<string, HttpServer> = onDemand
    ? { [TLS_ASK_SERVER]: tlsAskServer(onDemand.ask, onDemand.domain, controlPlaneUpstream) }
    : {};
  const httpsPort = listenPort(controlPlaneListen);
  if (!edge.httpRedirectListen) return { tls, https_port: httpsPort, servers };
  return {
    tls,
    // ACME HTTP-01 challenges are answered by whichever server listens on http_port.
    http_port: listenPort(edge.httpRedirectListen),
    https_port: httpsPort,
    servers: {
      ...servers,
      [HTTP_REDIRECT_SERVER]: secureServer(
        httpsRedirectServer(edge.httpRedirectListen, httpsPort),
        'http-redirect',
        edge,
      ),
    },
  };
}
