import {
  assertPort,
  assertWorkspaceName,
  DEFAULT_PORT_SHARING,
  isPortSharing,
  MAX_PORTS_PER_WORKSPACE,
  type PortSharing,
} from '@rockpool/model';
import type { MapMapping } from '../config/types.js';
import { workspaceRouteId } from '../route-ids.js';

/*
 * The entries of the workspace routing table (see workspace-table.ts), each built from options and
 * checked: nothing that Caddy would read as a placeholder, no empty owner, no more ports than slots.
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

/** A workspace's entry has this many port slots: the most ports a workspace may register. */
export const PORT_SLOTS = MAX_PORTS_PER_WORKSPACE;

/** A registered port in its slot: `{port}:{sharing}`, what the routes compare with the path's port. */
export function portSlot(port: number, sharing: PortSharing): string {
  return `${port}:${sharing}`;
}

/** The port and sharing level in a slot, or undefined for an empty or unreadable one. */
export function parsePortSlot(slot: string): PortRoute | undefined {
  const match = /^(\d{1,5}):([a-z]+)$/.exec(slot);
  if (!match) return undefined;
  const [, port, sharing] = match;
  return isPortSharing(sharing) ? { port: Number(port), sharing } : undefined;
}

function portSlots(name: string, ports: readonly PortRoute[]): string[] {
  if (ports.length > PORT_SLOTS)
    throw new RangeError(
      `workspace ${name} has ${ports.length} ports: at most ${PORT_SLOTS} can be forwarded`,
    );
  const seen = new Set<number>();
  const slots = ports.map(({ port, sharing = DEFAULT_PORT_SHARING }) => {
    assertPort(port);
    assertSharing(sharing);
    if (seen.has(port)) throw new RangeError(`workspace ${name} lists port ${port} twice`);
    seen.add(port);
    return portSlot(port, sharing);
  });
  return [...slots, ...Array.from({ length: PORT_SLOTS - slots.length }, () => '')];
}

/**
 * A workspace's one entry in the routing table: its gate's address and secret, its owner, and a
 * slot per registered port (empty slots are ""). Ports live in their workspace's entry, not in
 * entries of their own: they are few (at most five), change with their workspace, and every byte
 * of the table is provisioned again by Caddy on every admin change.
 */
export function workspaceEntry(options: WorkspaceRouteOptions): MapMapping {
  const { name, upstream, gateSecret, owner } = options;
  assertWorkspaceName(name);
  assertUpstream(upstream);
  assertGateSecret(gateSecret);
  assertEdgeIdentity(owner);
  return {
    '@id': workspaceRouteId(name),
    input: name,
    outputs: [upstream, gateSecret, owner, ...portSlots(name, options.ports ?? [])],
  };
}
