import { WORKSPACES_CONTAINER_ID } from '../builders/bootstrap.js';
import { adminsOf, hasRoleTable, withAdmins } from '../builders/edge-roles.js';
import type { WorkspaceRouteOptions } from '../builders/table-entries.js';
import {
  hasTable,
  maybeTable,
  routesOf,
  tableOf,
  WORKSPACE_TABLE_ID,
  type WorkspaceTable,
  withTable,
} from '../builders/workspace-table.js';
import type { CaddyConfig, SubrouteHandler } from '../config/types.js';
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
  return container && hasTable(container) ? routesOf(tableOf(container)) : [];
}

/**
 * The entries of `table` that fit the table in `target`. Caddy refuses a whole config with one entry
 * of the wrong length; any other is left out, and the worker's periodic sync writes it again, in
 * today's shape, within seconds.
 */
function fitting(table: WorkspaceTable, target: SubrouteHandler): WorkspaceTable {
  const outputs = maybeTable(target, WORKSPACE_TABLE_ID)?.destinations.length;
  return table.filter((entry) => entry.outputs.length === outputs);
}

/** `next` with the workspace table (and the edge's admins) of `current` in its workspace routing. Pure. */
export function carryWorkspaceRoutes(current: CaddyConfig, next: CaddyConfig): CaddyConfig {
  const copy = structuredClone(next);
  const target = findContainer(copy);
  if (!target) throw new RangeError(`the new configuration has no ${WORKSPACES_CONTAINER_ID} subroute`);
  const source = findContainer(current);
  // A Caddy started by an older Rockpool has other tables: the worker's periodic sync fills this one.
  if (source && hasTable(source)) Object.assign(target, withTable(target, fitting(tableOf(source), target)));
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
