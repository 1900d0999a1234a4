import {
  assertPort,
  assertWorkspaceName,
  DEFAULT_PORT_SHARING,
  isPortSharing,
  type PortSharing,
} from '@rockpool/model';
import type { MapMapping } from '../config/types.js';
import { portRouteId, workspaceRouteId } from '../route-ids.js';

/*
 * The entries of the workspace routing table (see workspace-table.ts), each built from options and
 * checked: nothing that Caddy would read as a placeholder, no empty owner.
 */

/** A registered port and who may reach it. */
export interface PortRoute {
  port: number;
  /** Default `private`: the workspace's owner only. */
  sharing?: PortSharing;
}

export interface PortRouteOptions extends PortRoute {
  workspace: string;
}

export interface WorkspaceRouteOptions {
  name: string;
  /**
   * Who owns the workspace, as the edge names a signed-in user (`{http.auth.user.id}`: the basic-auth
   * username, the OAuth token's subject), which is what the control plane records from
   * X-Rockpool-User. Only the owner reaches its IDE and private ports.
   */
  owner: string;
  /**
   * Where the workspace's gate is reachable from Caddy (`host:port` or `unix//path`): the guest's
   * one service open to the outside. Its IDE and every registered port are proxied through it.
   */
  upstream: string;
  /** The gate's secret: sent as `X-Rockpool-Gate` with every proxied request, and never logged. */
  gateSecret: string;
  /** Registered guest ports, reachable at `/workspace/{name}/port/{port}/`. */
  ports?: PortRoute[];
}

/** One workspace's entries: its IDE, then its ports. */
export interface WorkspaceEntries {
  ide: MapMapping;
  ports: MapMapping[];
}

/** A dial address with nothing Caddy would read as a placeholder, and no whitespace. */
const UPSTREAM = /^(?:unix\/\/?[^\s{}]+|[A-Za-z0-9.[\]:-]+:\d{1,5})$/;

/** A gate secret as the worker makes them: 32 random bytes or more, base64url (no placeholder braces). */
const GATE_SECRET = /^[A-Za-z0-9_-]{43,}$/;

function assertUpstream(upstream: string): void {
  if (!UPSTREAM.test(upstream))
    throw new RangeError(`invalid upstream ${JSON.stringify(upstream)}: expected host:port or unix//path`);
}

function assertGateSecret(secret: string): void {
  // The message never echoes the value: it may be a real secret that is merely malformed.
  if (!GATE_SECRET.test(secret))
    throw new RangeError('invalid gate secret: expected at least 43 base64url characters (32 random bytes)');
}

/**
 * A user id as the edge names it: a basic-auth username, an OAuth subject. Caddy expands
 * placeholders in map outputs, so braces could make an owner compare equal to someone else; an empty
 * one would match a request nobody signed in to.
 */
const EDGE_IDENTITY = /^[^\s{}]{1,256}$/;

export function assertEdgeIdentity(id: string, what = 'owner'): void {
  if (!EDGE_IDENTITY.test(id))
    throw new RangeError(`invalid ${what} ${JSON.stringify(id)}: 1-256 characters, no whitespace or braces`);
}

function assertSharing(sharing: unknown): asserts sharing is PortSharing {
  if (!isPortSharing(sharing))
    throw new RangeError(`invalid sharing ${JSON.stringify(sharing)}: private, authenticated or public`);
}

/** The IDE table's entry for a workspace: its gate's address and secret, and its owner. */
export function ideEntry(options: Omit<WorkspaceRouteOptions, 'ports'>): MapMapping {
  const { name, upstream, gateSecret, owner } = options;
  assertWorkspaceName(name);
  assertUpstream(upstream);
  assertGateSecret(gateSecret);
  assertEdgeIdentity(owner);
  return { '@id': workspaceRouteId(name), input: name, outputs: [upstream, gateSecret, owner] };
}

/**
 * The port table's entry for one registered port: its sharing level (the owner comes from the
 * workspace's IDE entry). The port itself is the input's: the route sends the path's port, which
 * equals the registered one whenever the lookup hit.
 */
export function portEntry(options: PortRouteOptions): MapMapping {
  const sharing = options.sharing ?? DEFAULT_PORT_SHARING;
  assertWorkspaceName(options.workspace);
  assertPort(options.port);
  assertSharing(sharing);
  return {
    '@id': portRouteId(options.workspace, options.port),
    input: `${options.workspace}/${options.port}`,
    outputs: [sharing],
  };
}

/** The table entries of a workspace: its IDE, then its ports. */
export function workspaceEntries(options: WorkspaceRouteOptions): WorkspaceEntries {
  return {
    ide: ideEntry(options),
    ports: (options.ports ?? []).map((port) => portEntry({ ...port, workspace: options.name })),
  };
}
