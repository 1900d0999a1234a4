import { type RoutingMode, WORKSPACE_NAME_PATTERN, workspaceDomainProblem } from '@rockpool/model';
import type { MatcherSet } from '../config/types.js';

/*
 * Where srv1 reads a request's workspace name and port from, in each routing mode (see
 * @rockpool/model addressing.ts): the path in `path` mode (`/workspace/{name}/port/{port}/...`),
 * the Host in `subdomain` mode (`{name}.{domain}`, `{port}--{name}.{domain}`). Both capture into
 * the same placeholders, so the lookup tables, ownership and sharing routes are one set for both.
 *
 * The Host is matched with `header_regexp`: Caddy reads the request's Host as sent and matches it
 * as is, where `vars_regexp` would first expand placeholders inside it (a client could hide text
 * in `{...}`). Both ends are anchored and the name is the model's strict label (single hyphens), so
 * an IDE host and a port host never match each other's pattern.
 */

/** The workspace name, captured by the matcher named `workspace`. */
export const NAME = '{http.regexp.workspace.1}';
/** The port (path mode: the segment, maybe empty; subdomain mode: digits), captured by `port`. */
export const PORT = '{http.regexp.port.1}';

/** What the routing needs to know about one mode. */
export interface WorkspaceAddressingRules {
  mode: RoutingMode;
  /** Matches every request for a workspace (its IDE or a port) and captures {@link NAME}. */
  workspace: MatcherSet;
  /** Matches a forwarded port's request and captures {@link PORT}. */
  port: MatcherSet;
  /** Narrows a port request to a numeric port, the only kind whose number goes into an HTML page. */
  numericPort: MatcherSet;
  /**
   * Path mode: the prefixes stripped before the gate (and sent as X-Forwarded-Prefix), and the
   * bare paths (no trailing slash) redirected to the path plus `/`. Subdomain mode has none: the
   * upstream gets the path as sent.
   */
  prefix?: { ide: string; port: string; bareIde: string; barePort: string };
  /**
   * Subdomain mode: an IDE host's `/port/{port}/...` (VS Code's port links, the same in both modes)
   * and the port host's URL it redirects to. Path mode has none: the path is the port's URL.
   */
  idePortLinks?: { match: MatcherSet; prefix: string; location: string };
  /** Where workspaces live, for error messages (`{name}` is left as is by Caddy). */
  where: string;
}

const LABEL_NAME = WORKSPACE_NAME_PATTERN.source.replace(/^\^/, '').replace(/\$$/, '');

/** `/workspace/{name}/...`: the cleaned path (one origin for every IDE and app). */
export function pathAddressing(): WorkspaceAddressingRules {
  const idePrefix = `/workspace/${NAME}`;
  return {
    mode: 'path',
    workspace: { path_regexp: { name: 'workspace', pattern: '^/workspace/([a-z0-9-]+)(?:/|$)' } },
    port: {
      path_regexp: { name: 'port', pattern: '^/workspace/[a-z0-9-]+/port(?:/([^/]*))?(?:/|$)' },
    },
    numericPort: {
      path_regexp: { name: 'numeric_port', pattern: '^/workspace/[a-z0-9-]+/port/[0-9]{1,5}(/|$)' },
    },
    prefix: {
      ide: idePrefix,
      port: `${idePrefix}/port/${PORT}`,
      bareIde: '^/workspace/[a-z0-9-]+$',
      barePort: '^/workspace/[a-z0-9-]+/port/[^/]+$',
    },
    where: 'workspaces live at /workspace/{name}/',
  };
}

/** The Host patterns under `domain`, with an optional `:port` (the edge may listen on any). */
export function workspaceHostPatterns(domain: string): { workspace: string; port: string } {
  const problem = workspaceDomainProblem(domain);
  if (problem) throw new RangeError(`invalid workspace domain: ${problem}`);
  const suffix = `\\.${domain.replaceAll('.', '\\.')}(?::[0-9]{1,5})?$`;
  // No leading zero: one host per port, as the model spells it.
  const port = '[1-9][0-9]{0,4}';
  return {
    workspace: `^(?:${port}--)?(${LABEL_NAME})${suffix}`,
    port: `^(${port})--${LABEL_NAME}${suffix}`,
  };
}

/** `{name}.{domain}` and `{port}--{name}.{domain}`: an origin per IDE and per app. */
export function hostAddressing(domain: string): WorkspaceAddressingRules {
  const patterns = workspaceHostPatterns(domain);
  return {
    mode: 'subdomain',
    workspace: { header_regexp: { Host: { name: 'workspace', pattern: patterns.workspace } } },
    port: { header_regexp: { Host: { name: 'port', pattern: patterns.port } } },
    // The port host's pattern admits digits only.
    numericPort: {},
    idePortLinks: {
      match: { path_regexp: { name: 'ide_port', pattern: '^/port/([1-9][0-9]{0,4})(?:/|$)' } },
      prefix: '/port/{http.regexp.ide_port.1}',
      // After the prefix is stripped, the request's URI is the rest, escaped as sent, with its query.
      location: '{http.request.scheme}://{http.regexp.ide_port.1}--{http.request.hostport}{http.request.uri}',
    },
    where: `workspaces live at {name}.${domain}`,
  };
}

/**
 * The routing mode for these settings: `subdomain` by default when there is a workspace domain,
 * `path` otherwise. `subdomain` without a domain is an error (RangeError naming the options).
 */
export function resolveRoutingMode(
  routingMode: RoutingMode | undefined,
  workspaceDomain: string | undefined,
): RoutingMode {
  if (routingMode === 'subdomain' && workspaceDomain === undefined)
    throw new RangeError(
      'routingMode "subdomain" needs a workspace domain (edge.workspaceDomain, e.g. ws.rockpool.example.com): set one, or use routingMode "path"',
    );
  if (routingMode !== undefined && routingMode !== 'path' && routingMode !== 'subdomain')
    throw new RangeError(`routingMode must be "path" or "subdomain" (got ${JSON.stringify(routingMode)})`);
  return routingMode ?? (workspaceDomain === undefined ? 'path' : 'subdomain');
}

/** The rules of the mode these settings resolve to (see {@link resolveRoutingMode}). */
export function workspaceAddressing(
  routingMode: RoutingMode | undefined,
  workspaceDomain: string | undefined,
): WorkspaceAddressingRules {
  const mode = resolveRoutingMode(routingMode, workspaceDomain);
  return mode === 'subdomain' && workspaceDomain !== undefined
    ? hostAddressing(workspaceDomain)
    : pathAddressing();
}
