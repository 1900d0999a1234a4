import type { Handler, MapHandler, MapMapping, MatcherSet, Route, SubrouteHandler } from '../config/types.js';
import { jsonErrorBody } from '../edge/json-error.js';
import { crossOriginRefusalRoute, WORKSPACE_HOST_REFUSAL } from './cross-origin.js';
import { ADMIN_ROLE, ROLE_TABLE_ID, roleEntries } from './edge-roles.js';
import { GATE_SECRET, GATE_UPSTREAM, gateProxy, type ProxyTimings } from './gate-proxy.js';
import { portNotRegisteredRoutes } from './port-not-registered.js';
import { PORT_SLOTS } from './table-entries.js';
import { NAME, PORT, pathAddressing, type WorkspaceAddressingRules } from './workspace-addressing.js';
import { WORKSPACE_TABLE_ID, type WorkspaceTable } from './workspace-table.js';

/*
 * Workspace routing on srv1 is one fixed set of routes plus two lookup tables (Caddy `map`
 * handlers): workspace name → its gate's address and secret, its owner and a slot per registered
 * port (`{port}:{sharing}`); signed-in user → `admin`, for admins. Adding or removing a workspace,
 * a port or an admin changes one table entry, never a handler.
 *
 * Ownership is decided here, before any upstream, by comparing table outputs with the signed-in
 * user (`{http.auth.user.id}`, what the control plane records as the owner from X-Rockpool-User):
 * a workspace's IDE and private ports admit its owner only; anyone else gets the very 404 of an
 * unknown workspace, so names do not leak. Caddy's `vars` matcher expands placeholders in its
 * values, and ORs its keys, so every condition below is one key (or the port slots, any of which
 * may hold the port), ANDed through `not` or a subroute.
 *
 * Why a table: Caddy provisions the whole configuration again on every admin change. With a route
 * and a `reverse_proxy` per workspace and per port, that cost grew by ~0.8 ms per loaded workspace
 * (789 ms to add one at 1000, see bench/README.md); with a table it grows by the bytes of an entry,
 * so ports live in their workspace's entry rather than in entries of their own. Each entry carries
 * the id a route would (`ws.{name}`), so `/id/ws.{name}` in Caddy's admin API addresses it.
 */

const OWNER = 'rockpool.owner';
/** The port slots' placeholders: `{port}:{sharing}`, or "" for an empty slot. */
const PORT_SLOT_VARS = Array.from({ length: PORT_SLOTS }, (_, i) => `rockpool.port_${i + 1}`);
const USER_ROLE = 'rockpool.user_role';
const USER_ID = '{http.auth.user.id}';
/** The access log field that marks an admin's request to another user's IDE (its value: the owner). */
export const ADMIN_ACCESS_LOG_FIELD = 'rockpool_admin_access';

export interface WorkspaceRoutingOptions {
  timings?: ProxyTimings;
  /**
   * What signs a request in (authentication, then limits keyed on the user): run for every request
   * but a public port's, after the lookups (so a public port needs none) and before any upstream.
   */
  signIn?: Handler[];
  /** Admins may open other users' IDEs, each such request marked in the access log. Default off. */
  adminIdeAccess?: boolean;
  /**
   * Ports shared `public` answer without sign-in. Default off: they then need a sign-in, as
   * `authenticated` ones do.
   */
  publicPorts?: boolean;
  table?: WorkspaceTable;
  /** The role table's admins (the worker keeps them in sync at run time). */
  admins?: readonly string[];
  /** Where the workspace name and port come from: the path (default) or the Host (subdomain mode). */
  addressing?: WorkspaceAddressingRules;
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

function jsonNotFound(match: MatcherSet[], code: string, message: string): Route {
  return {
    match,
    handle: [
      {
        handler: 'static_response',
        status_code: 404,
        headers: { 'Content-Type': ['application/json'] },
        body: jsonErrorBody(code, message),
      },
    ],
    terminal: true,
  };
}

const is = (placeholder: string, ...values: string[]): MatcherSet => ({
  vars: { [`{${placeholder}}`]: values },
});
const unset = (placeholder: string) => is(placeholder, '');
/** The path's port is registered with one of `levels` (in any slot). */
const portShared = (...levels: string[]): MatcherSet => ({
  vars: Object.fromEntries(
    PORT_SLOT_VARS.map((slot) => [`{${slot}}`, levels.map((level) => `${PORT}:${level}`)]),
  ),
});
const portRegistered = portShared('private', 'authenticated', 'public');
const owner = is(OWNER, USER_ID);
const admin = is(USER_ROLE, ADMIN_ROLE);

/** One answer for an unknown workspace and for someone else's: a name never shows it exists. */
const noWorkspace = (match: MatcherSet[], at: WorkspaceAddressingRules) =>
  jsonNotFound(match, 'not_found', `No workspace named ${NAME}: ${at.where}.`);

/**
 * A request that goes through the gate: in path mode the bare path redirects and the prefix is
 * stripped; in subdomain mode the path goes as sent.
 */
function gateRoutes(
  at: WorkspaceAddressingRules,
  port: string | undefined,
  timings: ProxyTimings,
  terminal?: true,
): Route[] {
  if (!at.prefix)
    return [{ handle: [gateProxy(undefined, port, timings)], ...(terminal ? { terminal } : {}) }];
  const prefix = port ? at.prefix.port : at.prefix.ide;
  return [
    trailingSlashRedirect(port ? at.prefix.barePort : at.prefix.bareIde),
    {
      handle: [{ handler: 'rewrite', strip_path_prefix: prefix }, gateProxy(prefix, port, timings)],
      ...(terminal ? { terminal } : {}),
    },
  ];
}

/** A registered port's request. */
const portProxyRoutes = (at: WorkspaceAddressingRules, timings: ProxyTimings) =>
  gateRoutes(at, PORT, timings);

/** Ports shared `public`, before sign-in: no credentials asked, none passed on (see gateProxy). */
function publicPortRoute(at: WorkspaceAddressingRules, timings: ProxyTimings): Route {
  return {
    match: [at.port],
    handle: [
      {
        handler: 'subroute',
        routes: [
          {
            match: [portShared('public')],
            handle: [{ handler: 'subroute', routes: portProxyRoutes(at, timings) }],
            terminal: true,
          },
        ],
      },
    ],
  };
}

/** After sign-in: ownership and sharing decide, then the gate. */
function signedInRoutes(
  options: WorkspaceRoutingOptions,
  at: WorkspaceAddressingRules,
  timings: ProxyTimings,
): Route[] {
  const adminAccess = options.adminIdeAccess === true;
  return [
    noWorkspace([unset(GATE_UPSTREAM)], at),
    {
      match: [at.port],
      handle: [
        {
          handler: 'subroute',
          routes: [
            // A shared port's level is read whatever the public-ports setting: with it off, a
            // `public` port is reached by anyone signed in, as an `authenticated` one.
            noWorkspace([{ not: [owner, portShared('authenticated', 'public')] }], at),
            ...portNotRegisteredRoutes({ not: [portRegistered] }, at.numericPort, NAME, PORT),
            ...portProxyRoutes(at, timings),
          ],
        },
      ],
      terminal: true,
    },
    ...(adminAccess
      ? [{ match: [{ ...admin, not: [owner] }], handle: [adminAccessLog()] } satisfies Route]
      : []),
    noWorkspace([{ not: adminAccess ? [owner, admin] : [owner] }], at),
    ...(at.idePortLinks ? [idePortLinkRedirect(at.idePortLinks)] : []),
    ...gateRoutes(at, undefined, timings, true),
  ];
}

/**
 * Subdomain mode: an IDE host's `/port/{port}/...` redirects to the port's own host, path and
 * query kept. VS Code's port links (the guest's `./port/{{port}}/`, resolved against the IDE's page)
 * then work in both modes, so one guest and one snapshot serve both. Only for those who may open
 * the IDE: anyone else got its 404 above.
 */
function idePortLinkRedirect(links: NonNullable<WorkspaceAddressingRules['idePortLinks']>): Route {
  return {
    match: [links.match],
    handle: [
      { handler: 'rewrite', strip_path_prefix: links.prefix },
      { handler: 'static_response', status_code: 302, headers: { Location: [links.location] } },
    ],
    terminal: true,
  };
}

/** Marks the request's access log entry with the owner whose IDE an admin opened. */
function adminAccessLog(): Handler {
  return { handler: 'log_append', key: ADMIN_ACCESS_LOG_FIELD, value: `{${OWNER}}` };
}

/**
 * srv1's workspace routing: the subroute `containerId` holds the two tables and the fixed routes.
 * The name and port come from the path or, in subdomain mode, the Host (`options.addressing`; see
 * workspace-addressing.ts); subdomain mode strips no prefix, redirects no bare path, and refuses
 * requests another origin caused before sign-in (public ports excepted).
 * For `/workspace/{name}/...`, in order: the lookups; a `public` port (with public ports allowed)
 * goes through the gate without sign-in; everything else signs in. Then an unknown workspace, or
 * one the user may not reach, answers 404 `not_found`; `/port/{port}/` goes through the gate to a
 * registered port (prefix stripped) or answers 404 `port_not_registered` (to its owner); the bare
 * path redirects to its trailing slash; everything else goes through the gate to code-server.
 */
export function buildWorkspaceRouting(
  containerId: string,
  options: WorkspaceRoutingOptions = {},
): SubrouteHandler {
  const table = options.table ?? [];
  const timings = options.timings ?? {};
  const signIn = options.signIn ?? [];
  const at = options.addressing ?? pathAddressing();
  return {
    handler: 'subroute',
    '@id': containerId,
    routes: [
      {
        match: [at.workspace],
        handle: [
          lookupTable(
            WORKSPACE_TABLE_ID,
            NAME,
            [GATE_UPSTREAM, GATE_SECRET, OWNER, ...PORT_SLOT_VARS],
            table,
          ),
          lookupTable(ROLE_TABLE_ID, USER_ID, [USER_ROLE], roleEntries(options.admins ?? [])),
        ],
      },
      ...(options.publicPorts ? [publicPortRoute(at, timings)] : []),
      // One origin per IDE and per app: the session must not be lent to a request another origin
      // caused (every workspace host is same-site with every other). A public port lends none and
      // is served above: its cross-origin API is the app's business.
      ...(at.mode === 'subdomain' ? [crossOriginRefusalRoute(WORKSPACE_HOST_REFUSAL)] : []),
      ...(signIn.length > 0 ? [{ handle: signIn }] : []),
      {
        match: [at.workspace],
        handle: [{ handler: 'subroute', routes: signedInRoutes(options, at, timings) }],
        terminal: true,
      },
    ],
  };
}
