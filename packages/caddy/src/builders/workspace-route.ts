import type {
  CaddyDuration,
  HeaderOps,
  MapHandler,
  MapMapping,
  ReverseProxyHandler,
  Route,
  SubrouteHandler,
} from '../config/types.js';
import { jsonErrorBody } from '../edge/json-error.js';
import { SESSION_COOKIE, USER_HEADER } from './edge-auth.js';
import { portNotRegisteredRoutes } from './port-not-registered.js';
import { IDE_TABLE_ID, PORT_TABLE_ID, type WorkspaceTable } from './workspace-table.js';

/*
 * Workspace routing on srv1 is one fixed set of routes plus two lookup tables (Caddy `map`
 * handlers): workspace name → its gate's address and secret, and `name/port` → the port, for each
 * registered port. Adding or removing a workspace or a port changes one table entry, never a handler.
 *
 * The gate (packages/guest) is the only service of a VM open to the outside: it forwards a request
 * only with the workspace's secret in X-Rockpool-Gate, to code-server, or with X-Rockpool-Port to
 * that guest port. Both headers are SET here, replacing whatever a client sent; the IDE route
 * deletes a client's X-Rockpool-Port, so only a registered port is ever reached.
 *
 * Why: Caddy provisions the whole configuration again on every admin change. With a route and a
 * `reverse_proxy` per workspace and per port, that cost grew by ~0.8 ms per loaded workspace (789 ms
 * to add one at 1000, see bench/README.md); with tables it stays near the cost of an empty config.
 * Table entries carry the ids a route would (`ws.{name}`, `ws.{name}.port.{port}`), so
 * `/id/...` in Caddy's admin API still addresses one workspace or one port.
 */

/** The header that carries the workspace's secret to its gate. */
export const GATE_SECRET_HEADER = 'X-Rockpool-Gate';
/** The header that tells the gate which guest port a request is for (none: code-server). */
export const GATE_PORT_HEADER = 'X-Rockpool-Port';
/** The gate sets it on its own 502 (nothing listens upstream), never on an app's. */
export const GATE_ERROR_HEADER = 'X-Rockpool-Gate-Error';

const GATE_UPSTREAM = 'rockpool.gate_upstream';
const GATE_SECRET = 'rockpool.gate_secret';
const REGISTERED_PORT = 'rockpool.port';
/** Captures the workspace name as `{http.regexp.workspace.1}`; matched on the cleaned path. */
const WORKSPACE_PATH = { name: 'workspace', pattern: '^/workspace/([a-z0-9-]+)(?:/|$)' };
/** Captures the port segment (maybe empty) as `{http.regexp.port.1}`. */
const PORT_PATH = { name: 'port', pattern: '^/workspace/[a-z0-9-]+/port(?:/([^/]*))?(?:/|$)' };
const NAME = '{http.regexp.workspace.1}';
const PORT = '{http.regexp.port.1}';

export interface ProxyTimings {
  /** Upgraded streams (WebSockets) are closed after this long. Default 24h. */
  streamTimeout?: CaddyDuration;
  /**
   * How long an upgraded stream proxied by an old config stays open after a config change. Caddy
   * rebuilds every handler on every change and closes the old handlers' streams after this delay;
   * Rockpool changes the tables at run time, so the default equals the stream timeout: a workspace
   * change never cuts an open IDE or app WebSocket. See the README ("WebSockets and route changes").
   */
  streamCloseDelay?: CaddyDuration;
}

const DEFAULT_STREAM_TIMEOUT = '24h';
/**
 * The session cookie wherever it sits in a Cookie header, with the separator that would be left
 * over: at the start (one or more, with the `; ` after them) or after another cookie (with the
 * `;` before it). `a=1; access_token=x; b=2` becomes `a=1; b=2`, not `a=1;; b=2`.
 */
const SESSION_COOKIE_PAIR = `^(?:\\s*${SESSION_COOKIE}=[^;]*(?:;\\s*|$))+|;\\s*${SESSION_COOKIE}=[^;]*`;

/**
 * Credentials meant for Rockpool's edge must not reach code-server or, worse, an arbitrary app on a
 * forwarded port (untrusted code runs in the VM): the edge strips the Authorization headers and the
 * OAuth session cookie, keeps the workspace's own cookies, and says which prefix it removed. A
 * client-sent identity header is dropped too: nothing upstream may take it for the edge's word.
 */
function upstreamHeaders(prefix: string, port: string | undefined): HeaderOps {
  return {
    set: {
      'X-Forwarded-Prefix': [prefix],
      [GATE_SECRET_HEADER]: [`{${GATE_SECRET}}`],
      ...(port ? { [GATE_PORT_HEADER]: [port] } : {}),
    },
    delete: ['Authorization', 'Proxy-Authorization', USER_HEADER, ...(port ? [] : [GATE_PORT_HEADER])],
    replace: { Cookie: [{ search_regexp: SESSION_COOKIE_PAIR, replace: '' }] },
  };
}

/**
 * The gate answers 502 itself when nothing listens behind it (no app on the port, code-server
 * down): a response, not a failed dial, so Caddy's error routes would not see it. Raising it as an
 * error shows the same page as an unreachable gate. An app's own 502 has no gate header and passes.
 */
const GATE_BAD_GATEWAY: ReverseProxyHandler['handle_response'] = [
  {
    match: { status_code: [502], headers: { [GATE_ERROR_HEADER]: ['upstream_unreachable'] } },
    routes: [{ handle: [{ handler: 'error', status_code: 502, error: 'the gate found nothing listening' }] }],
  },
];

/**
 * No `flush_interval`: Caddy already flushes at once for server-sent events, responses of unknown
 * length and bidirectional streams; buffering the rest is what keeps throughput near a bare hop.
 */
function gateProxy(prefix: string, port: string | undefined, timings: ProxyTimings): ReverseProxyHandler {
  const streamTimeout = timings.streamTimeout ?? DEFAULT_STREAM_TIMEOUT;
  return {
    handler: 'reverse_proxy',
    upstreams: [{ dial: `{${GATE_UPSTREAM}}` }],
    stream_timeout: streamTimeout,
    stream_close_delay: timings.streamCloseDelay ?? streamTimeout,
    headers: { request: upstreamHeaders(prefix, port) },
    handle_response: GATE_BAD_GATEWAY,
  };
}

function lookupTable(id: string, source: string, destinations: string[], mappings: MapMapping[]): MapHandler {
  return {
    handler: 'map',
    '@id': id,
    source,
    destinations: destinations.map((d) => `{${d}}`),
    defaults: destinations.map(() => ''),
    mappings,
  };
}

/** `exactPattern` (no trailing slash) answers a permanent redirect to the path plus `/`, keeping the query. */
function trailingSlashRedirect(exactPattern: string): Route {
  return {
    match: [{ path_regexp: { pattern: exactPattern } }],
    handle: [
      {
        handler: 'static_response',
        status_code: 308,
        headers: { Location: ['{http.request.uri.path}/{http.request.uri.prefixed_query}'] },
      },
    ],
    terminal: true,
  };
}

function jsonNotFound(code: string, message: string): Route['handle'] {
  return [
    {
      handler: 'static_response',
      status_code: 404,
      headers: { 'Content-Type': ['application/json'] },
      body: jsonErrorBody(code, message),
    },
  ];
}

const unset = (placeholder: string) => ({ vars: { [`{${placeholder}}`]: [''] } });

/**
 * srv1's workspace routing: the subroute `containerId` holds the two tables and the fixed routes.
 * For `/workspace/{name}/...`, in order: an unknown workspace answers 404; the
 * bare path redirects to its trailing slash; `/port/{port}/` goes through the gate to a registered
 * port (prefix stripped) or answers 404 `port_not_registered`; everything else goes through the
 * gate to code-server.
 */
export function buildWorkspaceRouting(
  containerId: string,
  timings: ProxyTimings = {},
  table: WorkspaceTable = { ides: [], ports: [] },
): SubrouteHandler {
  const workspacePrefix = `/workspace/${NAME}`;
  const portPrefix = `${workspacePrefix}/port/${PORT}`;
  return {
    handler: 'subroute',
    '@id': containerId,
    routes: [
      {
        match: [{ path_regexp: WORKSPACE_PATH }],
        handle: [
          lookupTable(IDE_TABLE_ID, NAME, [GATE_UPSTREAM, GATE_SECRET], table.ides),
          lookupTable(PORT_TABLE_ID, `${NAME}/${PORT}`, [REGISTERED_PORT], table.ports),
          {
            handler: 'subroute',
            routes: [
              {
                match: [unset(GATE_UPSTREAM)],
                handle: jsonNotFound(
                  'not_found',
                  `No workspace named ${NAME}: workspaces live at /workspace/{name}/.`,
                ),
                terminal: true,
              },
              trailingSlashRedirect('^/workspace/[a-z0-9-]+$'),
              {
                match: [{ path_regexp: PORT_PATH }],
                handle: [
                  {
                    handler: 'subroute',
                    routes: [
                      ...portNotRegisteredRoutes(unset(REGISTERED_PORT), NAME, PORT),
                      trailingSlashRedirect('^/workspace/[a-z0-9-]+/port/[^/]+$'),
                      {
                        handle: [
                          { handler: 'rewrite', strip_path_prefix: portPrefix },
                          gateProxy(portPrefix, `{${REGISTERED_PORT}}`, timings),
                        ],
                      },
                    ],
                  },
                ],
                terminal: true,
              },
              {
                handle: [
                  { handler: 'rewrite', strip_path_prefix: workspacePrefix },
                  gateProxy(workspacePrefix, undefined, timings),
                ],
                terminal: true,
              },
            ],
          },
        ],
      },
    ],
  };
}
