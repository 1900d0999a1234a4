import { isPortSharing } from '@rockpool/model';
import { WORKSPACES_CONTAINER_ID } from '../builders/bootstrap.js';
import { adminsOf, hasRoleTable, withAdmins } from '../builders/edge-roles.js';
import type { WorkspaceRouteOptions } from '../builders/table-entries.js';
import {
  hasTables,
  IDE_TABLE_ID,
  maybeTable,
  PORT_TABLE_ID,
  routesOf,
  tableOf,
  type WorkspaceTable,
  withTable,
} from '../builders/workspace-table.js';
import type { CaddyConfig, MapMapping, SubrouteHandler } from '../config/types.js';
import type { CaddyAdminClient } from './admin-client.js';

function findContainer(value: unknown): SubrouteHandler | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (!Array.isArray(value) && (value as { '@id'?: unknown })['@id'] === WORKSPACES_CONTAINER_ID)
    return value as SubrouteHandler;
  for (const child of Object.values(value)) {
    const found = findContainer(child);
    if (found) return found;
  }
  return undefined;
}

/** The workspace routes in a config (those the worker added at run time), each with its ports. */
export function workspaceRoutesOf(config: CaddyConfig): WorkspaceRouteOptions[] {
  const container = findContainer(config);
  return container && hasTables(container) ? routesOf(tableOf(container)) : [];
}

/**
 * The entries of `table` that fit the tables in `target`. An older Rockpool's entries have other
 * outputs (no owner; no sharing level, or the port before it), and Caddy refuses a whole config
 * with one entry of the wrong length: they are left out, and the worker's periodic sync writes them
 * again, in today's shape, within seconds.
 */
function fitting(table: WorkspaceTable, target: SubrouteHandler): WorkspaceTable {
  const fits = (id: string, valid: (outputs: string[]) => boolean = () => true) => {
    const outputs = maybeTable(target, id)?.destinations.length;
    return (entry: MapMapping) => entry.outputs.length === outputs && valid(entry.outputs);
  };
  return {
    ides: table.ides.filter(fits(IDE_TABLE_ID)),
    ports: table.ports.filter(fits(PORT_TABLE_ID, (outputs) => outputs.every(isPortSharing))),
  };
}

/** `next` with the workspace table (and the edge's admins) of `current` in its workspace routing. Pure. */
export function carryWorkspaceRoutes(current: CaddyConfig, next: CaddyConfig): CaddyConfig {
  const copy = structuredClone(next);
  const target = findContainer(copy);
  if (!target) throw new RangeError(`the new configuration has no ${WORKSPACES_CONTAINER_ID} subroute`);
  const source = findContainer(current);
  // A Caddy started by an older Rockpool has no tables: the worker's periodic sync fills the new ones.
  if (source && hasTables(source)) Object.assign(target, withTable(target, fitting(tableOf(source), target)));
  // The new config names its admins when its renderer knew them; otherwise the running ones stay.
  if (source && hasRoleTable(source) && hasRoleTable(target) && adminsOf(target).length === 0)
    Object.assign(target, withAdmins(target, adminsOf(source)));
  return copy;
}

/**
 * Replaces the running configuration with `next` while keeping the workspace routes Caddy has now,
 * in one write guarded by `If-Match` (a route the worker adds meanwhile is not lost: the write is
 * retried on top of it). Caddy's reload is graceful: it keeps the old config if the new one fails
 * to load, and upgraded streams (WebSockets) of the old handlers stay open (`stream_close_delay`).
 */
export async function reloadKeepingWorkspaces(
  admin: CaddyAdminClient,
  next: CaddyConfig,
): Promise<{ workspaceRoutes: number }> {
  const { value } = await admin.update<CaddyConfig>({ path: '' }, (current) => ({
    ...carryWorkspaceRoutes(current, next),
    admin: current.admin,
  }));
  return { workspaceRoutes: workspaceRoutesOf(value).length };
}
