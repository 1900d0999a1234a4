import type { CaddyDuration, HeaderOps, ReverseProxyHandler, Route } from '../config/types.js';
import {
  assertPort,
  assertWorkspaceName,
  portPathPrefix,
  portRouteId,
  workspacePathPrefix,
  workspaceRouteId,
} from '../names.js';
import { SESSION_COOKIE } from './oauth.js';

export interface ProxyTimings {
  /** Upgraded streams (WebSockets) are closed after this long. Default 24h. */
  streamTimeout?: CaddyDuration;
  /**
   * How long an upgraded stream proxied by an old config stays open after a config change. Caddy
   * rebuilds every handler on every change and closes the old handlers' streams after this delay;
   * Rockpool changes routes at run time, so the default equals the stream timeout: a route change
   * never cuts an open IDE or app WebSocket. See the README ("WebSockets and route changes").
   */
  streamCloseDelay?: CaddyDuration;
}

export interface PortRouteOptions extends ProxyTimings {
  workspace: string;
  port: number;
  /** Where the forwarded port is reachable from Caddy: `host:port` or `unix//path`. */
  upstream: string;
}

export interface WorkspaceRouteOptions extends ProxyTimings {
  name: string;
  /** Where the workspace's code-server is reachable from Caddy: `host:port` or `unix//path`. */
  upstream: string;
  ports?: Omit<PortRouteOptions, 'workspace'>[];
}

const DEFAULT_STREAM_TIMEOUT = '24h';

/**
 * Credentials meant for Rockpool's edge must not reach code-server or, worse, an arbitrary app on a
 * forwarded port (untrusted code runs in the VM): the edge strips the Authorization headers and the
 * OAuth session cookie, keeps the workspace's own cookies, and says which prefix it removed.
 */
function upstreamHeaders(prefix: string): HeaderOps {
  return {
    set: { 'X-Forwarded-Prefix': [prefix] },
    delete: ['Authorization', 'Proxy-Authorization'],
    replace: { Cookie: [{ search_regexp: `(^|;)\\s*${SESSION_COOKIE}=[^;]*`, replace: '$1' }] },
  };
}

function proxyTo(upstream: string, prefix: string, timings: ProxyTimings): ReverseProxyHandler {
  const streamTimeout = timings.streamTimeout ?? DEFAULT_STREAM_TIMEOUT;
  return {
    handler: 'reverse_proxy',
    upstreams: [{ dial: upstream }],
    flush_interval: -1,
    stream_timeout: streamTimeout,
    stream_close_delay: timings.streamCloseDelay ?? streamTimeout,
    headers: { request: upstreamHeaders(prefix) },
  };
}

/** `/prefix` (no trailing slash) answers a permanent redirect to `/prefix/`, keeping the query. */
function trailingSlashRedirect(prefix: string): Route {
  return {
    match: [{ path: [prefix] }],
    handle: [
      {
        handler: 'static_response',
        status_code: 308,
        headers: { Location: [`${prefix}/{http.request.uri.prefixed_query}`] },
      },
    ],
  };
}

export function buildPortRoute(options: PortRouteOptions): Route {
  assertWorkspaceName(options.workspace);
  assertPort(options.port);
  const prefix = portPathPrefix(options.workspace, options.port);
  return {
    '@id': portRouteId(options.workspace, options.port),
    match: [{ path: [prefix, `${prefix}/*`] }],
    handle: [
      {
        handler: 'subroute',
        routes: [
          trailingSlashRedirect(prefix),
          {
            handle: [
              { handler: 'rewrite', strip_path_prefix: prefix },
              proxyTo(options.upstream, prefix, options),
            ],
          },
        ],
      },
    ],
    terminal: true,
  };
}

/**
 * The route of one workspace. Its subroute holds, in order: the trailing-slash redirect, one route
 * per forwarded port (inserted at {@link PORT_ROUTES_INDEX}), a 404 for unregistered ports, and the
 * IDE fallback that strips `/workspace/{name}` and proxies to code-server.
 */
export function buildWorkspaceRoute(options: WorkspaceRouteOptions): Route {
  assertWorkspaceName(options.name);
  const prefix = workspacePathPrefix(options.name);
  const portRoutes = (options.ports ?? []).map((port) =>
    buildPortRoute({
      streamTimeout: options.streamTimeout,
      streamCloseDelay: options.streamCloseDelay,
      ...port,
      workspace: options.name,
    }),
  );
  return {
    '@id': workspaceRouteId(options.name),
    match: [{ path: [prefix, `${prefix}/*`] }],
    handle: [
      {
        handler: 'subroute',
        routes: [
          trailingSlashRedirect(prefix),
          ...portRoutes,
          unregisteredPortRoute(options.name),
          {
            handle: [
              { handler: 'rewrite', strip_path_prefix: prefix },
              proxyTo(options.upstream, prefix, options),
            ],
          },
        ],
      },
    ],
    terminal: true,
  };
}

/** Port routes go right after the trailing-slash redirect inside the workspace's subroute. */
export const PORT_ROUTES_INDEX = 1;

function unregisteredPortRoute(name: string): Route {
  const prefix = `${workspacePathPrefix(name)}/port`;
  return {
    match: [{ path: [prefix, `${prefix}/*`] }],
    handle: [
      {
        handler: 'static_response',
        status_code: 404,
        headers: { 'Content-Type': ['application/json'] },
        body: JSON.stringify({
          error: {
            code: 'port_not_registered',
            message: `This port is not registered for workspace ${name}. Register it with POST /api/workspaces/{id}/ports.`,
          },
        }),
      },
    ],
  };
}
