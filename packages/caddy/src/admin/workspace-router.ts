import { assertWorkspaceName } from '@rockpool/model';
import { WORKSPACES_CONTAINER_ID } from '../builders/bootstrap.js';
import {
  type PortRouteOptions,
  type WorkspaceRouteOptions,
  workspaceEntry,
} from '../builders/table-entries.js';
import {
  entriesByWorkspace,
  findEntry,
  replaceWorkspaces,
  routeOf,
  routesOf,
  type SyncResult,
  sameJson,
  syncTable,
  tableOf,
  upsert,
  type WorkspaceTable,
  withTable,
} from '../builders/workspace-table.js';
import type { SubrouteHandler } from '../config/types.js';
import { type CaddyAdminClient, UNCHANGED } from './admin-client.js';

/** The workspace has no route in Caddy, so a port cannot be added to it. */
export class WorkspaceRouteMissingError extends Error {
  readonly code = 'workspace_route_missing';
  constructor(readonly workspace: string) {
    super(`workspace ${workspace} has no route in Caddy; add the workspace route before its ports`);
    this.name = 'WorkspaceRouteMissingError';
  }
}

function existingRoute(table: WorkspaceTable, workspace: string): WorkspaceRouteOptions {
  const entry = findEntry(table, workspace);
  if (!entry) throw new WorkspaceRouteMissingError(workspace);
  return routeOf(entry);
}

/** Entries a change left alone are the same objects: only the others are compared. */
function sameTable(a: WorkspaceTable, b: WorkspaceTable): boolean {
  return a.length === b.length && a.every((entry, i) => entry === b[i] || sameJson(entry, b[i]));
}

/** A pure change of the table; returning an equal table writes nothing. */
type TableChange = (table: WorkspaceTable) => WorkspaceTable;

/**
 * Workspace routes on srv1: one entry per workspace (its ports in its slots) in the table of the
 * workspace routing (see buildWorkspaceRouting), addressed by the `@id` `ws.{name}`.
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
    const entry = workspaceEntry(options);
    await this.#change((table) => upsert(table, entry));
  }

  /** Removes the workspace's route and, with it, its port routes. False if there was none. */
  async removeWorkspace(name: string): Promise<boolean> {
    assertWorkspaceName(name);
    let existed = false;
    await this.#change((table) => {
      existed = findEntry(table, name) !== undefined;
      return replaceWorkspaces(table, new Map(), new Set([name]));
    });
    return existed;
  }

  /**
   * Adds or replaces one port route of a workspace that has a route (a new sharing level too).
   * A sixth port is refused (RangeError): a workspace forwards at most five.
   */
  async putPort(options: PortRouteOptions): Promise<void> {
    const { workspace, port, sharing } = options;
    await this.#change((table) => {
      const route = existingRoute(table, workspace);
      const ports = route.ports?.filter((p) => p.port !== port) ?? [];
      return upsert(
        table,
        workspaceEntry({ ...route, ports: [...ports, { port, ...(sharing ? { sharing } : {}) }] }),
      );
    });
  }

  /** Removes one port route; false if there was none. */
  async removePort(workspace: string, port: number): Promise<boolean> {
    let existed = false;
    await this.#change((table) => {
      const entry = findEntry(table, workspace);
      if (!entry) return table;
      const route = routeOf(entry);
      const ports = route.ports?.filter((p) => p.port !== port) ?? [];
      existed = ports.length !== route.ports?.length;
      return existed ? upsert(table, workspaceEntry({ ...route, ports })) : table;
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
    const wanted = entriesByWorkspace(desired);
    let result: SyncResult | undefined;
    await this.#change((table) => {
      const planned = syncTable(table, wanted, keep);
      result = planned.result;
      return planned.table ?? table;
    });
    return result as SyncResult;
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
      const table = tableOf(container);
      const next = change(table);
      return sameTable(table, next) ? UNCHANGED : withTable(container, next);
    });
  }
}
