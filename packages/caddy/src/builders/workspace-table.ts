import { isDeepStrictEqual } from 'node:util';
import { DEFAULT_PORT_SHARING, isPortSharing } from '@rockpool/model';
import type { MapHandler, MapMapping, SubrouteHandler } from '../config/types.js';
import { workspaceRouteId } from '../route-ids.js';
import {
  type PortRoute,
  type WorkspaceEntries,
  type WorkspaceRouteOptions,
  workspaceEntries,
} from './table-entries.js';

/*
 * The workspace routing table as data: two lists of Caddy `map` entries (workspace name → its
 * gate's address and secret and its owner; `name/port` → its sharing level, for a registered port), read from and written into the routing subroute that buildWorkspaceRouting
 * builds. Every function here is pure: the WorkspaceRouter only reads a table from Caddy, applies
 * one of these, and writes the result.
 */

/** The `map` handler: workspace name → the gate's address, the gate's secret, the owner. */
export const IDE_TABLE_ID = 'rockpool-workspace-ides';
/** The `map` handler: `{name}/{port}` → its sharing level, for each registered port. */
export const PORT_TABLE_ID = 'rockpool-workspace-ports';

/** Both lookup tables, as Caddy holds them. */
export interface WorkspaceTable {
  ides: MapMapping[];
  ports: MapMapping[];
}

export interface SyncResult {
  added: string[];
  updated: string[];
  removed: string[];
  /** Routes that were already right and were left alone. */
  unchanged: string[];
}

/** The workspace a table entry belongs to (its input is `name` or `name/port`). */
export function entryWorkspace(entry: MapMapping): string {
  return entry.input.split('/')[0] ?? entry.input;
}

/** The `map` handler `id` in a routing subroute, if it has one. */
export function maybeTable(container: SubrouteHandler, id: string): MapHandler | undefined {
  for (const route of container.routes ?? [])
    for (const handler of route.handle ?? [])
      if (handler.handler === 'map' && handler['@id'] === id) return handler;
  return undefined;
}

/** Whether `container` is a workspace routing with both tables. */
export function hasTables(container: SubrouteHandler): boolean {
  return (
    maybeTable(container, IDE_TABLE_ID) !== undefined && maybeTable(container, PORT_TABLE_ID) !== undefined
  );
}

function findTable(container: SubrouteHandler, id: string): MapHandler {
  const table = maybeTable(container, id);
  if (table) return table;
  throw new RangeError(`the workspace routing has no ${id} table; was it built by buildWorkspaceRouting?`);
}

/** The tables inside a workspace routing subroute (as read back from Caddy). */
export function tableOf(container: SubrouteHandler): WorkspaceTable {
  return {
    ides: findTable(container, IDE_TABLE_ID).mappings ?? [],
    ports: findTable(container, PORT_TABLE_ID).mappings ?? [],
  };
}

/** A copy of `container` holding `table`. */
export function withTable(container: SubrouteHandler, table: WorkspaceTable): SubrouteHandler {
  const copy = structuredClone(container);
  findTable(copy, IDE_TABLE_ID).mappings = table.ides;
  findTable(copy, PORT_TABLE_ID).mappings = table.ports;
  return copy;
}

/** The routes a table describes, one per workspace in IDE-table order, each with its ports. */
export function routesOf(table: WorkspaceTable): WorkspaceRouteOptions[] {
  const ports = new Map<string, PortRoute[]>();
  for (const entry of table.ports) {
    const [name = '', port] = entry.input.split('/');
    const list = ports.get(name) ?? [];
    ports.set(name, list);
    // Older entries had the port first, and before that no sharing level: owner-only, as `private` is.
    list.push({ port: Number(port), sharing: entry.outputs.find(isPortSharing) ?? DEFAULT_PORT_SHARING });
  }
  return table.ides.map((ide) => ({
    name: ide.input,
    upstream: ide.outputs[0] ?? '',
    gateSecret: ide.outputs[1] ?? '',
    owner: ide.outputs[2] ?? '',
    ports: ports.get(ide.input) ?? [],
  }));
}

/*
 * Entries are found by their input (`name`, `name/port`), never by their `@id`: a Caddy started by
 * an older Rockpool holds the same inputs under older ids, which these functions then replace.
 */

/** Whether the table has an IDE entry for `name`. */
export function hasWorkspace(table: WorkspaceTable, name: string): boolean {
  return table.ides.some((e) => e.input === name);
}

/** `entries` with `entry` in place of the one with its input, or appended. */
export function upsert(entries: MapMapping[], entry: MapMapping): MapMapping[] {
  const at = entries.findIndex((e) => e.input === entry.input);
  if (at < 0) return [...entries, entry];
  return entries.map((e, i) => (i === at ? entry : e));
}

/** `table` without the port entry `workspace/port` (the same table if there is none). */
export function withoutPort(table: WorkspaceTable, workspace: string, port: number): WorkspaceTable {
  const input = `${workspace}/${port}`;
  return { ides: table.ides, ports: table.ports.filter((e) => e.input !== input) };
}

/**
 * `table` with the workspaces in `wanted` holding exactly their wanted entries and those in `gone`
 * holding none; every other entry is left as it is. Entries keep their places, new ones are
 * appended. One pass, so a sync of thousands of workspaces stays linear.
 */
export function replaceWorkspaces(
  table: WorkspaceTable,
  wanted: Map<string, WorkspaceEntries>,
  gone: Set<string>,
): WorkspaceTable {
  const wantedPorts = new Map([...wanted.values()].flatMap((w) => w.ports.map((p) => [p.input, p] as const)));
  const ides = table.ides.flatMap((e) => {
    const name = entryWorkspace(e);
    if (gone.has(name)) return [];
    return [wanted.get(name)?.ide ?? e];
  });
  const ports = table.ports.flatMap((e) => {
    const name = entryWorkspace(e);
    if (gone.has(name)) return [];
    if (!wanted.has(name)) return [e];
    const want = wantedPorts.get(e.input);
    return want ? [want] : [];
  });
  const presentIdes = new Set(ides.map((e) => e.input));
  const presentPorts = new Set(ports.map((e) => e.input));
  for (const want of wanted.values()) {
    if (!presentIdes.has(want.ide.input)) ides.push(want.ide);
    for (const port of want.ports) if (!presentPorts.has(port.input)) ports.push(port);
  }
  return { ides, ports };
}

/** Each workspace's entries, by name: its IDE entry (if any) and its port entries by input. */
export function groupByWorkspace(
  table: WorkspaceTable,
): Map<string, { ide: MapMapping | undefined; ports: Map<string, MapMapping> }> {
  const groups = new Map<string, { ide: MapMapping | undefined; ports: Map<string, MapMapping> }>();
  const group = (name: string) => {
    const found = groups.get(name) ?? { ide: undefined, ports: new Map<string, MapMapping>() };
    groups.set(name, found);
    return found;
  };
  for (const entry of table.ides) group(entryWorkspace(entry)).ide = entry;
  for (const entry of table.ports) group(entryWorkspace(entry)).ports.set(entry.input, entry);
  return groups;
}

/** The entries of each route, by workspace name (each route checked). */
export function entriesByWorkspace(routes: WorkspaceRouteOptions[]): Map<string, WorkspaceEntries> {
  return new Map(routes.map((route) => [route.name, workspaceEntries(route)]));
}

/**
 * What making the table hold exactly the `wanted` workspaces means: which are added, updated,
 * removed or left alone, and the new table (undefined when nothing changes). Workspaces named in
 * `keep` keep whatever entries they have, or none.
 */
export function syncTable(
  table: WorkspaceTable,
  wanted: Map<string, WorkspaceEntries>,
  keep: ReadonlySet<string> = new Set(),
): { result: SyncResult; table: WorkspaceTable | undefined } {
  const result: SyncResult = { added: [], updated: [], removed: [], unchanged: [] };
  const current = groupByWorkspace(table);
  const gone = new Set<string>();
  for (const [name, entries] of current) {
    const id = workspaceRouteId(name);
    const want = wanted.get(name);
    if (want) {
      const same =
        sameEntry(entries.ide, want.ide) &&
        entries.ports.size === want.ports.length &&
        // An entry under an older id scheme differs from the wanted one, so it is updated.
        want.ports.every((p) => sameEntry(entries.ports.get(p.input), p));
      (same ? result.unchanged : result.updated).push(id);
    } else if (keep.has(name)) {
      // Someone is changing this workspace right now; its route is theirs to manage.
      result.unchanged.push(id);
    } else {
      result.removed.push(id);
      gone.add(name);
    }
  }
  for (const name of wanted.keys()) if (!current.has(name)) result.added.push(workspaceRouteId(name));
  const changes = result.added.length + result.updated.length + result.removed.length;
  return { result, table: changes === 0 ? undefined : replaceWorkspaces(table, wanted, gone) };
}

function sameEntry(a: MapMapping | undefined, b: MapMapping): boolean {
  return a !== undefined && sameJson(a, b);
}

/** Caddy hands back the JSON it was given with object keys sorted; compare structurally. */
export function sameJson(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)));
}
