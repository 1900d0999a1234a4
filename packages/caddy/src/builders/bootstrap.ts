import type { RoutingMode } from '@rockpool/model';
import type { CaddyConfig, CaddyDuration, Handler, HttpServer, Route } from '../config/types.js';
import {
  type EdgeSecurityOptions,
  edgeSecurityApps,
  resolveEdgeSecurity,
  secureServer,
} from '../edge/edge-security.js';
import { ACCESS_LOGGER_NAMES, buildAccessLogging, serverAccessLogs } from './access-logging.js';
import {
  type DashboardDevServer,
  dashboardDevRoute,
  notFound,
  passwordSignInRoute,
  sessionCookieHttpOnly,
} from './control-plane-routes.js';
import { crossOriginRefusalRoute, STATE_CHANGING } from './cross-origin.js';
import { authHandler, type EdgeAuth, USER_HEADER } from './edge-auth.js';
import { controlPlaneErrorRoutes, workspaceErrorRoutes } from './edge-errors.js';
import type { ProxyTimings } from './gate-proxy.js';
import {
  buildRateLimitHandler,
  CLIENT_IP_KEY,
  IDENTITY_KEY,
  type RateLimitPolicy,
  resolveRateLimits,
} from './rate-limit.js';
import { exactRawPath, unsafePathRefusalRoute } from './raw-path.js';
import { apiBodyLimitRoute } from './request-limits.js';
import {
  type WorkspaceAddressingRules,
  workspaceAddressing,
  workspaceHostPatterns,
} from './workspace-addressing.js';
import { buildWorkspaceRouting } from './workspace-route.js';

export type { DashboardDevServer };

export const CONTROL_PLANE_SERVER = 'srv0';
export const WORKSPACE_SERVER = 'srv1';
/** The subroute on srv1 that routes workspace traffic (its tables are changed at run time). */
export const WORKSPACES_CONTAINER_ID = 'rockpool-workspaces';
/**
 * The header through which the edge tells the control plane the workspaces' origin, so IDE links
 * follow `rockpool reconfigure` (which may move it) without a server restart. Set from the
 * configuration, never from the request: a client-sent value is overwritten or deleted.
 */
export const WORKSPACES_ORIGIN_HEADER = 'X-Rockpool-Workspaces-Origin';

export interface BootstrapOptions {
  /** Where Caddy's admin API listens: `unix//path/admin.sock` (preferred) or a loopback `host:port`. */
  adminListen: string;
  /** srv0's listen address, e.g. `:8080`. */
  controlPlaneListen: string;
  /** srv1's listen address, e.g. `:8081`. */
  workspacesListen: string;
  /** The control plane's dial address: `unix//path/server.sock` or a loopback `host:port`. */
  controlPlaneUpstream: string;
  /**
   * The workspaces' origin as browsers reach them (`https://rockpool.example.com:8443`), sent to
   * the control plane for IDE and port links. Without it the control plane uses its own setting.
   */
  workspacesOrigin?: string;
  auth: EdgeAuth;
  rateLimits?: Partial<RateLimitPolicy>;
  /** How long in-flight HTTP requests of a retired config may run on. Default 2m. */
  gracePeriod?: CaddyDuration;
  /** TLS and access modes; default plain HTTP and no IP or certificate restriction. */
  edge?: EdgeSecurityOptions;
  /**
   * How srv1 finds a workspace: by path (`/workspace/{name}/`, one origin for all) or by Host
   * (`{name}.{domain}`, `{port}--{name}.{domain}`, an origin each; the domain is
   * `edge.workspaceDomain`). Default `subdomain` when there is a workspace domain, else `path`;
   * `subdomain` without one is a RangeError.
   */
  routingMode?: RoutingMode;
  /** The control plane's access-log socket (a path): srv0's and srv1's access logs are shipped there. */
  accessLogSocket?: string;
  /** WebSocket timeouts of the workspace proxies (defaults: 24h, and kept open across changes). */
  workspaceProxy?: ProxyTimings;
  /** Development only (`rockpool dev`): the dashboard comes from Vite's dev server. */
  dashboardDevServer?: DashboardDevServer;
  /** Admins may open other users' IDEs, each such request logged (ROCKPOOL_ADMIN_IDE_ACCESS). Default off. */
  adminIdeAccess?: boolean;
  /** Ports shared `public` answer without sign-in (ROCKPOOL_PUBLIC_PORTS). Default off. */
  publicPorts?: boolean;
  /** The admins the edge starts with (the worker keeps them in sync afterwards). */
  admins?: readonly string[];
}

function controlPlaneServer(options: BootstrapOptions, limits: RateLimitPolicy): HttpServer {
  // Set from the configuration, never from the request: a client-sent value is overwritten or deleted.
  const workspacesOrigin: Record<string, string[]> = options.workspacesOrigin
    ? { [WORKSPACES_ORIGIN_HEADER]: [options.workspacesOrigin] }
    : {};
  const proxy: Handler = {
    handler: 'reverse_proxy',
    upstreams: [{ dial: options.controlPlaneUpstream }],
    // Server-sent events from the API must not be buffered.
    flush_interval: -1,
    headers: {
      request: {
        set: {
          [USER_HEADER]: [IDENTITY_KEY],
          ...workspacesOrigin,
        },
        delete: ['Authorization', ...(options.workspacesOrigin ? [] : [WORKSPACES_ORIGIN_HEADER])],
      },
    },
  };
  const routes: Route[] = [
    unsafePathRefusalRoute(),
    {
      '@id': 'rockpool-health',
      match: [exactRawPath('/api/health')],
      handle: [
        buildRateLimitHandler('health', limits.health, CLIENT_IP_KEY),
        {
          handler: 'reverse_proxy',
          upstreams: [{ dial: options.controlPlaneUpstream }],
          headers: { request: { delete: [USER_HEADER, 'Authorization'] } },
        },
      ],
      terminal: true,
    },
  ];
  if (options.auth.kind === 'password')
    routes.push(
      passwordSignInRoute(
        options.controlPlaneUpstream,
        buildRateLimitHandler('client-ip-control-plane', limits.clientIpControlPlane, CLIENT_IP_KEY),
        workspacesOrigin,
      ),
    );
  if (options.auth.kind === 'portal') {
    routes.push({
      '@id': 'rockpool-auth-portal',
      match: [{ path: ['/auth', '/auth/*'] }],
      handle: [
        buildRateLimitHandler('auth-portal', limits.clientIpControlPlane, CLIENT_IP_KEY),
        sessionCookieHttpOnly(),
        { handler: 'authenticator', portal_name: options.auth.portalName, route_matcher: '*' },
      ],
      terminal: true,
    });
  }
  routes.push({
    '@id': 'rockpool-control-plane',
    handle: [
      buildRateLimitHandler('client-ip-control-plane', limits.clientIpControlPlane, CLIENT_IP_KEY),
      authHandler(options.auth, 'control-plane', options.controlPlaneUpstream),
      {
        handler: 'rate_limit',
        rate_limits: {
          ...buildRateLimitHandler('api-write', limits.apiWrite, IDENTITY_KEY, [
            { ...STATE_CHANGING, path: ['/api/*'] },
          ]).rate_limits,
          ...buildRateLimitHandler('api-read', limits.apiRead, IDENTITY_KEY, [
            { not: [{ ...STATE_CHANGING, path: ['/api/*'] }] },
          ]).rate_limits,
        },
      },
      {
        handler: 'subroute',
        routes: [
          crossOriginRefusalRoute(),
          {
            match: [{ path: ['/'] }],
            handle: [{ handler: 'static_response', status_code: 302, headers: { Location: ['/app/'] } }],
            terminal: true,
          },
          ...(options.dashboardDevServer ? [dashboardDevRoute(options.dashboardDevServer)] : []),
          apiBodyLimitRoute(),
          { match: [{ path: ['/api/*', '/app', '/app/*'] }], handle: [proxy], terminal: true },
        ],
      },
      notFound('Nothing here: the API is under /api/ and the dashboard under /app/.'),
    ],
    terminal: true,
  });
  return {
    listen: [options.controlPlaneListen],
    routes,
    errors: { routes: controlPlaneErrorRoutes() },
    automatic_https: { disable: true },
    ...(options.accessLogSocket ? { logs: serverAccessLogs(ACCESS_LOGGER_NAMES.controlPlane) } : {}),
  };
}

function workspaceServer(
  options: BootstrapOptions,
  limits: RateLimitPolicy,
  addressing: WorkspaceAddressingRules,
  workspaceDomain: string | undefined,
): HttpServer {
  const subdomains = addressing.mode === 'subdomain' && workspaceDomain !== undefined;
  return {
    listen: [options.workspacesListen],
    routes: [
      unsafePathRefusalRoute(),
      {
        '@id': 'rockpool-workspaces-edge',
        handle: [
          buildRateLimitHandler('client-ip-workspaces', limits.clientIpWorkspaces, CLIENT_IP_KEY),
          // Sign-in happens inside, after the table lookups: a public port needs none.
          buildWorkspaceRouting(WORKSPACES_CONTAINER_ID, {
            signIn: [
              authHandler(options.auth, 'workspaces', options.controlPlaneUpstream),
              buildRateLimitHandler('workspace', limits.workspace, IDENTITY_KEY),
            ],
            ...(options.workspaceProxy ? { timings: options.workspaceProxy } : {}),
            adminIdeAccess: options.adminIdeAccess === true,
            publicPorts: options.publicPorts === true,
            admins: options.admins ?? [],
            ...(subdomains ? { addressing } : {}),
          }),
          notFound(
            subdomains
              ? `No such workspace host: ${addressing.where} (an IDE) and {port}--{name}.${workspaceDomain} (a forwarded port).`
              : 'No such workspace route: workspaces live at /workspace/{name}/.',
          ),
        ],
        terminal: true,
      },
    ],
    errors: {
      routes: workspaceErrorRoutes(subdomains ? workspaceHostPatterns(workspaceDomain).port : undefined),
    },
    automatic_https: { disable: true },
    ...(options.accessLogSocket ? { logs: serverAccessLogs(ACCESS_LOGGER_NAMES.workspaces) } : {}),
  };
}

/**
 * In subdomain mode every workspace host must receive the portal's session cookie, or a browser
 * would go round the sign-in forever. (The password sign-in's cookie is the control plane's.)
 */
function assertSessionReachesWorkspaces(auth: EdgeAuth, workspaceDomain: string | undefined): void {
  if (auth.kind !== 'portal' || workspaceDomain === undefined) return;
  const domain = auth.cookieDomain;
  if (domain === undefined || (domain !== workspaceDomain && !workspaceDomain.endsWith(`.${domain}`)))
    throw new RangeError(
      `routingMode "subdomain" with the sign-in portal needs the OAuth cookieDomain to be ${workspaceDomain} or a parent of it (got ${domain ?? 'none'}), so every workspace host receives the session`,
    );
}

/**
 * The configuration Caddy starts with: srv0 serves the control plane, srv1 the workspaces, whose
 * table entries are added at run time into {@link WORKSPACES_CONTAINER_ID}.
 */
export function buildBootstrapConfig(options: BootstrapOptions): CaddyConfig {
  const limits = resolveRateLimits(options.rateLimits);
  const edge = resolveEdgeSecurity(options.edge);
  const addressing = workspaceAddressing(options.routingMode, edge.workspaceDomain);
  if (addressing.mode === 'subdomain') assertSessionReachesWorkspaces(options.auth, edge.workspaceDomain);
  const { tls, servers: extraServers, ...ports } = edgeSecurityApps(edge, options);
  return {
    admin: { listen: options.adminListen, config: { persist: false } },
    ...(options.accessLogSocket ? { logging: buildAccessLogging({ socket: options.accessLogSocket }) } : {}),
    apps: {
      http: {
        // Every config change retires the old server instance: in-flight plain HTTP requests (a
        // download, the dashboard's event stream) get this long to finish. WebSockets are not
        // affected (see stream_close_delay). Longer keeps old instances, and their memory, alive.
        grace_period: options.gracePeriod ?? '2m',
        ...ports,
        servers: {
          [CONTROL_PLANE_SERVER]: secureServer(controlPlaneServer(options, limits), 'control-plane', edge),
          [WORKSPACE_SERVER]: secureServer(
            workspaceServer(options, limits, addressing, edge.workspaceDomain),
            'workspaces',
            edge,
          ),
          ...extraServers,
        },
      },
      ...(tls ? { tls } : {}),
      security: options.auth.app,
    },
  };
}
