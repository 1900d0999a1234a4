import { isDeepStrictEqual } from 'node:util';
import type { MapHandler, MapMapping, SubrouteHandler } from '../config/types.js';
import { workspaceRouteId } from '../route-ids.js';
import {
  PORT_SLOTS,
  type PortRoute,
  parsePortSlot,
  type WorkspaceRouteOptions,
  workspaceEntry,
} from './table-entries.js';

/*
 * The workspace routing table as data: one Caddy `map` entry per workspace (name → its gate's
 * address and secret, its owner and its port slots), read from and written into the routing
 * subroute that buildWorkspaceRouting builds. Every function here is pure: the WorkspaceRouter only
 * reads a table from Caddy, applies one of these, and writes the result.
 */

/** The `map` handler: workspace name → gate address, gate secret, owner, then PORT_SLOTS port slots. */
export const WORKSPACE_TABLE_ID = 'rockpool-workspace-table';

/** The table's entries, in order, as Caddy holds them. */
export type WorkspaceTable = MapMapping[];

/** How many outputs an entry of today's table has. */
export const WORKSPACE_ENTRY_OUTPUTS = 3 + PORT_SLOTS;

export interface SyncResult {
  added: string[];
  updated: string[];
  removed: string[];
  /** Routes that were already right and were left alone. */
  unchanged: string[];
}

/** The `map` handler `id` in a routing subroute, if it has one. */
export function maybeTable(container: SubrouteHandler, id: string): MapHandler | undefined {
  for (const route of container.routes ?? [])
    for (const handler of route.handle ?? [])
      if (handler.handler === 'map' && handler['@id'] === id) return handler;
  return undefined;
}

/** Whether `container` is a workspace routing with today's table. */
export function hasTable(container: SubrouteHandler): boolean {
  return maybeTable(container, WORKSPACE_TABLE_ID) !== undefined;
}

function findTable(container: SubrouteHandler): MapHandler {
  const table = maybeTable(container, WORKSPACE_TABLE_ID);
  if (table) return table;
  throw new RangeError(
    `the workspace routing has no ${WORKSPACE_TABLE_ID} table; was it built by buildWorkspaceRouting?`,
  );
}

/** The table inside a workspace routing subroute (as read back from Caddy). */
export function tableOf(container: SubrouteHandler): WorkspaceTable {
  return findTable(container).mappings ?? [];
}

/** A copy of `container` holding `table`. */
export function withTable(container: SubrouteHandler, table: WorkspaceTable): SubrouteHandler {
  const copy = structuredClone(container);
  findTable(copy).mappings = table;
  return copy;
}

/** The route an entry describes; its unreadable port slots (none are written) are skipped. */
export function routeOf(entry: MapMapping): WorkspaceRouteOptions {
  const [upstream = '', gateSecret = '', owner = '', ...slots] = entry.outputs;
  return {
    name: entry.input,
    upstream,
    gateSecret,
    owner,
    ports: slots.map(parsePortSlot).filter((port): port is Required<PortRoute> => port !== undefined),
  };
}

/** The routes a table describes, one per workspace in table order, each with its ports. */
export function routesOf(table: WorkspaceTable): WorkspaceRouteOptions[] {
  return table.map(routeOf);
}

/*
 * Entries are found by their input (the workspace name), never by their `@id`: a Caddy started by
 * an older Rockpool holds the same inputs under older ids, which these functions then replace.
 */

/** The entry of workspace `name`, if the table has one. */
export function findEntry(table: WorkspaceTable, name: string): MapMapping | undefined {
  return table.find((e) => e.input === name);
}

/** `table` with `entry` in place of the one with its input, or appended. */
export function upsert(table: WorkspaceTable, entry: MapMapping): WorkspaceTable {
  const at = table.findIndex((e) => e.input === entry.input);
  if (at < 0) return [...table, entry];
  return table.map((e, i) => (i === at ? entry : e));
}

/**
 * `table` with the workspaces in `wanted` holding exactly their wanted entries and those in `gone`
 * none; every other entry is left as it is. Entries keep their places, new ones are appended. One
 * pass, so a sync of thousands of workspaces stays linear.
 */
export function replaceWorkspaces(
  table: WorkspaceTable,
  wanted: ReadonlyMap<string, MapMapping>,
  gone: ReadonlySet<string>,
): WorkspaceTable {
  const next = table.flatMap((e) => (gone.has(e.input) ? [] : [wanted.get(e.input) ?? e]));
  const present = new Set(next.map((e) => e.input));
  for (const want of wanted.values()) if (!present.has(want.input)) next.push(want);
  return next;
}

/** The entry of each route, by workspace name (each route checked). */
export function entriesByWorkspace(routes: WorkspaceRouteOptions[]): Map<string, MapMapping> {
  return new Map(routes.map((route) => [route.name, workspaceEntry(route)]));
}

/**
 * What making the table hold exactly the `wanted` workspaces means: which are added, updated,
 * removed or left alone, and the new table (undefined when nothing changes). Workspaces named in
 * `keep` keep whatever entry they have, or none.
 */
export function syncTable(
  table: WorkspaceTable,
  wanted: ReadonlyMap<string, MapMapping>,
  keep: ReadonlySet<string> = new Set(),
): { result: SyncResult; table: WorkspaceTable | undefined } {
  const result: SyncResult = { added: [], updated: [], removed: [], unchanged: [] };
  const current = new Map(table.map((e) => [e.input, e]));
  const gone = new Set<string>();
  for (const [name, entry] of current) {
    const id = workspaceRouteId(name);
    const want = wanted.get(name);
    // An entry under an older id scheme, or of an older shape, differs from the wanted one.
    if (want) (sameJson(entry, want) ? result.unchanged : result.updated).push(id);
    // Someone is changing this workspace right now; its route is theirs to manage.
    else if (keep.has(name)) result.unchanged.push(id);
    else {
      result.removed.push(id);
      gone.add(name);
    }
  }
  for (const name of wanted.keys()) if (!current.has(name)) result.added.push(workspaceRouteId(name));
  const changes = result.added.length + result.updated.length + result.removed.length;
  return { result, table: changes === 0 ? undefined : replaceWorkspaces(table, wanted, gone) };
}

/** Caddy hands back the JSON it was given with object keys sorted; compare structurally. */
export function sameJson(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)));
}
