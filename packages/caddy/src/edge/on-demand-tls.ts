import type { HttpServer, OnDemandConfig } from '../config/types.js';
import { jsonErrorBody } from './json-error.js';

/*
 * acme with a workspace domain: every workspace host (`{name}.{domain}`, `{port}--{name}.{domain}`)
 * gets its own certificate at its first TLS handshake (on-demand TLS), so no DNS-provider module
 * is needed, only a wildcard DNS record. Caddy asks the control plane first, which says yes only
 * for existing workspaces and registered ports: nobody can make the edge request certificates for
 * made-up names and exhaust the CA's rate limits.
 *
 * Caddy's `http` permission module needs an HTTP URL, and the control plane listens on a unix
 * socket only, so a loopback-only server of the edge forwards the one ask path to it. Workspace
 * VMs can reach the host's loopback (QEMU user networking), so the path carries an unguessable
 * token: without it the server is no oracle for workspace names. The control plane reads the same
 * token from a 0600 file in the data dir and checks it again.
 */

/** The control plane's ask route: `{prefix}{token}?domain={host}`. srv0 never proxies it (only /api and /app). */
export const TLS_ASK_PATH_PREFIX = '/internal/tls-ask/';

/** Tells the control plane the workspace domain; set by the ask server from the configuration. */
export const WORKSPACE_DOMAIN_HEADER = 'X-Rockpool-Workspace-Domain';

export const TLS_ASK_SERVER = 'srv-tls-ask';

export interface TlsAskOptions {
  /** The ask server's loopback address, `127.0.0.1:{port}`. */
  listen: string;
  /** Lowercase hex, at least 128 bits (Caddy's path matcher ignores case). */
  token: string;
}

/** Why `ask` can't serve, or undefined when it can. */
export function tlsAskProblem(ask: TlsAskOptions | undefined): string | undefined {
  if (!ask)
    return 'TLS mode acme with a workspace domain needs the on-demand ask endpoint (listen address and token)';
  if (!/^127(?:\.\d{1,3}){3}:\d{1,5}$/.test(ask.listen))
    return `the on-demand ask server listens on loopback only (127.x.y.z:port), not ${JSON.stringify(ask.listen)}`;
  if (!/^[0-9a-f]{32,}$/.test(ask.token))
    return 'the on-demand ask token must be at least 32 lowercase hex digits';
  return undefined;
}

/** The URL Caddy asks (it appends `?domain={name}`). */
export function tlsAskEndpoint(ask: TlsAskOptions): string {
  return `http://${ask.listen}${TLS_ASK_PATH_PREFIX}${ask.token}`;
}

export function onDemandConfig(ask: TlsAskOptions): OnDemandConfig {
  return { permission: { module: 'http', endpoint: tlsAskEndpoint(ask) } };
}

/**
 * The loopback server that forwards Caddy's ask, and nothing else, to the control plane, telling
 * it the workspace domain. Not access-logged: its path holds the token.
 */
export function tlsAskServer(
  ask: TlsAskOptions,
  workspaceDomain: string,
  controlPlaneUpstream: string,
): HttpServer {
  return {
    listen: [ask.listen],
    routes: [
      {
        '@id': 'rockpool-tls-ask',
        match: [{ method: ['GET'], path: [`${TLS_ASK_PATH_PREFIX}${ask.token}`] }],
        handle: [
          {
            handler: 'reverse_proxy',
            upstreams: [{ dial: controlPlaneUpstream }],
            headers: { request: { set: { [WORKSPACE_DOMAIN_HEADER]: [workspaceDomain] } } },
          },
        ],
        terminal: true,
      },
      {
        handle: [
          {
            handler: 'static_response',
            status_code: 404,
            headers: { 'Content-Type': ['application/json'] },
            body: jsonErrorBody('not_found', 'Nothing here.'),
          },
        ],
        terminal: true,
      },
    ],
    automatic_https: { disable: true },
  };
}
