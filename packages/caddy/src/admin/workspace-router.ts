import { isDeepStrictEqual } from 'node:util';
import { assertWorkspaceName } from '@rockpool/model';
import { WORKSPACES_CONTAINER_ID } from '../builders/bootstrap.js';
import {
  entryWorkspace,
  type PortRouteOptions,
  portEntry,
  routesOf,
  tableOf,
  type WorkspaceRouteOptions,
  type WorkspaceTable,
  withTable,
  workspaceEntries,
} from '../builders/workspace-route.js';
import type { MapMapping, SubrouteHandler } from '../config/types.js';
import { portRouteId, workspaceRouteId } from '../route-ids.js';
import { type CaddyAdminClient, UNCHANGED } from './admin-client.js';

/** The workspace has no route in Caddy, so a port cannot be added to it. */
export class WorkspaceRouteMissingError extends Error {
  readonly code = 'workspace_route_missing';
  constructor(readonly workspace: string) {
    super(`workspace ${workspace} has no route in Caddy; add the workspace route before its ports`);
    this.name = 'WorkspaceRouteMissingError';
  }
}

export interface SyncResult {
  added: string[];
  updated: string[];
  removed: string[];
  /** Routes that were already right and were left alone. */
  unchanged: string[];
}

type TableChange = (table: WorkspaceTable) => WorkspaceTable | typeof UNCHANGED;

/**
 * Workspace routes on srv1: entries of the two lookup tables of the workspace routing (see
 * buildWorkspaceRouting), addressed by the `@id`s `workspace-{name}` and `workspace-{name}-port-{port}`.
 * Every change is one write guarded by `If-Match` (re-applied on 412), so concurrent writers lose
 * nothing; every method is idempotent, so a retried job step does no harm. Knows nothing of where
 * workspaces are stored.
 */
export class WorkspaceRouter {
  constructor(
    private readonly admin: CaddyAdminClient,
    private readonly containerId = WORKSPACES_CONTAINER_ID,
  ) {}

  /** Adds the workspace's route, or replaces it, making its ports exactly `options.ports`. */
  async putWorkspace(options: WorkspaceRouteOptions): Promise<void> {
    const wanted = new Map([[options.name, workspaceEntries(options)]]);
    await this.#change((table) => {
      const next = replaceWorkspaces(table, wanted, new Set());
      return sameJson(table, next) ? UNCHANGED : next;
    });
  }

  /** Removes the workspace's route and, with it, its port routes. False if there was none. */
  async removeWorkspace(name: string): Promise<boolean> {
    assertWorkspaceName(name);
    let existed = false;
    await this.#change((table) => {
      existed = table.ides.some((e) => e['@id'] === workspaceRouteId(name));
      const next = replaceWorkspaces(table, new Map(), new Set([name]));
      return sameJson(table, next) ? UNCHANGED : next;
    });
    return existed;
  }

  /** Adds or replaces one port route of a workspace that has a route. */
  async putPort(options: PortRouteOptions): Promise<void> {
    const entry = portEntry(options);
    await this.#change((table) => {
      if (!table.ides.some((e) => e['@id'] === workspaceRouteId(options.workspace)))
        throw new WorkspaceRouteMissingError(options.workspace);
      const next = { ides: table.ides, ports: upsert(table.ports, entry) };
      return sameJson(table, next) ? UNCHANGED : next;
    });
  }

  /** Removes one port route; false if there was none. */
  async removePort(workspace: string, port: number): Promise<boolean> {
    const id = portRouteId(workspace, port);
    let existed = false;
    await this.#change((table) => {
      existed = table.ports.some((e) => e['@id'] === id);
      return existed ? { ides: table.ides, ports: table.ports.filter((e) => e['@id'] !== id) } : UNCHANGED;
    });
    return existed;
  }

  /** The workspace routes Caddy has now, in order, each with its ports. */
  async list(): Promise<WorkspaceRouteOptions[]> {
    return routesOf(tableOf(await this.#container()));
  }

  /**
   * Makes Caddy's workspace routes exactly `desired`, in one guarded write (If-Match, retried on 412),
   * or none when they already match. A concurrent change is never overwritten blindly. Workspaces
   * named in `keep` (e.g. with a job in flight) keep whatever route they have, or none.
   */
  async sync(desired: WorkspaceRouteOptions[], options: { keep?: string[] } = {}): Promise<SyncResult> {
    const keep = new Set(options.keep ?? []);
    const wanted = new Map(desired.map((route) => [route.name, workspaceEntries(route)]));
    let result: SyncResult = { added: [], updated: [], removed: [], unchanged: [] };
    await this.#change((table) => {
      result = { added: [], updated: [], removed: [], unchanged: [] };
      const current = groupByWorkspace(table);
      const gone = new Set<string>();
      for (const [name, entries] of current) {
        const id = workspaceRouteId(name);
        const want = wanted.get(name);
        if (want) {
          const same =
            sameEntry(entries.ide, want.ide) &&
            entries.ports.size === want.ports.length &&
            want.ports.every((p) => sameEntry(entries.ports.get(p['@id'] ?? ''), p));
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
      if (result.added.length + result.updated.length + result.removed.length === 0) return UNCHANGED;
      return replaceWorkspaces(table, wanted, gone);
    });
    return result;
  }

  async #container(): Promise<SubrouteHandler> {
    const container = await this.admin.getById<SubrouteHandler>(this.containerId);
    if (!container)
      throw new RangeError(
        `Caddy has no ${this.containerId}; was it started with Rockpool's bootstrap config?`,
      );
    return container.value;
  }

  async #change(change: TableChange): Promise<void> {
    await this.admin.update<SubrouteHandler>({ id: this.containerId }, (container) => {
      const next = change(tableOf(container));
      return next === UNCHANGED ? UNCHANGED : withTable(container, next);
    });
  }
}

function upsert(entries: MapMapping[], entry: MapMapping): MapMapping[] {
  const at = entries.findIndex((e) => e['@id'] === entry['@id']);
  if (at < 0) return [...entries, entry];
  return entries.map((e, i) => (i === at ? entry : e));
}

/**
 * `table` with the workspaces in `wanted` holding exactly their wanted entries and those in `gone`
 * holding none; every other entry is left as it is. Entries keep their places, new ones are
 * appended. One pass, so a sync of thousands of workspaces stays linear. Pure.
 */
function replaceWorkspaces(
  table: WorkspaceTable,
  wanted: Map<string, { ide: MapMapping; ports: MapMapping[] }>,
  gone: Set<string>,
): WorkspaceTable {
  const wantedPorts = new Map(
    [...wanted.values()].flatMap((w) => w.ports.map((p) => [p['@id'] ?? '', p] as const)),
  );
  const ides = table.ides.flatMap((e) => {
    const name = entryWorkspace(e);
    if (gone.has(name)) return [];
    return [wanted.get(name)?.ide ?? e];
  });
  const ports = table.ports.flatMap((e) => {
    const name = entryWorkspace(e);
    if (gone.has(name)) return [];
    if (!wanted.has(name)) return [e];
    const want = wantedPorts.get(e['@id'] ?? '');
    return want ? [want] : [];
  });
  const present = new Set([...ides, ...ports].map((e) => e['@id']));
  for (const want of wanted.values()) {
    if (!present.has(want.ide['@id'])) ides.push(want.ide);
    for (const port of want.ports) if (!present.has(port['@id'])) ports.push(port);
  }
  return { ides, ports };
}

/** Each workspace's entries, by name: its IDE entry (if any) and its port entries by id. */
function groupByWorkspace(
  table: WorkspaceTable,
): Map<string, { ide: MapMapping | undefined; ports: Map<string, MapMapping> }> {
  const groups = new Map<string, { ide: MapMapping | undefined; ports: Map<string, MapMapping> }>();
  const group = (name: string) => {
    const found = groups.get(name) ?? { ide: undefined, ports: new Map<string, MapMapping>() };
    groups.set(name, found);
    return found;
  };
  for (const entry of table.ides) group(entryWorkspace(entry)).ide = entry;
  for (const entry of table.ports) group(entryWorkspace(entry)).ports.set(entry['@id'] ?? '', entry);
  return groups;
}

function sameEntry(a: MapMapping | undefined, b: MapMapping): boolean {
  return a !== undefined && sameJson(a, b);
}

/** Caddy hands back the JSON it was given with object keys sorted; compare structurally. */
function sameJson(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)));
}
