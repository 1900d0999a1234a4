import { isDeepStrictEqual } from 'node:util';
import { WORKSPACES_CONTAINER_ID } from '../builders/bootstrap.js';
import {
  buildPortRoute,
  buildWorkspaceRoute,
  PORT_ROUTES_INDEX,
  type PortRouteOptions,
  type WorkspaceRouteOptions,
} from '../builders/workspace-route.js';
import type { Route, SubrouteHandler } from '../config/types.js';
import { portRouteId, workspaceRouteId } from '../names.js';
import { type CaddyAdminClient, UNCHANGED } from './admin-client.js';
import { CaddyAdminError } from './errors.js';

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

/**
 * Workspace routes on srv1, addressed by `@id`. Every method is idempotent, so a retried job step
 * does no harm. Knows nothing of where workspaces are stored.
 */
export class WorkspaceRouter {
  constructor(
    private readonly admin: CaddyAdminClient,
    private readonly containerId = WORKSPACES_CONTAINER_ID,
  ) {}

  /** Adds the workspace's route, or replaces it (ports included) if it exists. */
  async putWorkspace(options: WorkspaceRouteOptions): Promise<void> {
    const route = buildWorkspaceRoute(options);
    await this.#upsert(workspaceRouteId(options.name), route, () =>
      this.admin.appendById(this.containerId, 'routes', route),
    );
  }

  /** Removes the workspace's route and, with it, its port routes. False if there was none. */
  removeWorkspace(name: string): Promise<boolean> {
    return this.admin.removeById(workspaceRouteId(name));
  }

  /** Adds or replaces one port route, before the IDE fallback of its workspace. */
  async putPort(options: PortRouteOptions): Promise<void> {
    const route = buildPortRoute(options);
    await this.#upsert(portRouteId(options.workspace, options.port), route, async () => {
      try {
        await this.admin.insertById(
          workspaceRouteId(options.workspace),
          'handle/0/routes',
          PORT_ROUTES_INDEX,
          route,
        );
      } catch (error) {
        if (error instanceof CaddyAdminError && error.status === 404)
          throw new WorkspaceRouteMissingError(options.workspace);
        throw error;
      }
    });
  }

  removePort(workspace: string, port: number): Promise<boolean> {
    return this.admin.removeById(portRouteId(workspace, port));
  }

  /** The workspace routes Caddy has now, in order. */
  async list(): Promise<Route[]> {
    const container = await this.admin.getById<SubrouteHandler>(this.containerId);
    if (!container)
      throw new CaddyAdminError(404, 'GET', `/id/${this.containerId}`, 'workspace container missing');
    return container.value.routes ?? [];
  }

  /**
   * Makes Caddy's workspace routes exactly `desired`, in one guarded write (If-Match, retried on 412),
   * or none when they already match. Routes that are right are kept as they are, so nothing live is
   * dropped, and a concurrent change is never overwritten blindly. Workspaces named in `keep`
   * (e.g. with a job in flight) keep whatever route they have, or none.
   */
  async sync(desired: WorkspaceRouteOptions[], options: { keep?: string[] } = {}): Promise<SyncResult> {
    const keep = new Set((options.keep ?? []).map(workspaceRouteId));
    const wanted = new Map(
      desired.map((options) => [workspaceRouteId(options.name), buildWorkspaceRoute(options)]),
    );
    let result: SyncResult = { added: [], updated: [], removed: [], unchanged: [] };
    await this.admin.update<SubrouteHandler>({ id: this.containerId }, (container) => {
      result = { added: [], updated: [], removed: [], unchanged: [] };
      const current = container.routes ?? [];
      const next: Route[] = [];
      const seen = new Set<string>();
      for (const route of current) {
        const id = route['@id'];
        if (id && keep.has(id) && !wanted.has(id)) {
          // Someone is changing this workspace right now; its route is theirs to manage.
          result.unchanged.push(id);
          next.push(route);
          continue;
        }
        const want = id ? wanted.get(id) : undefined;
        if (!id || !want) {
          result.removed.push(id ?? '(route without @id)');
          continue;
        }
        seen.add(id);
        if (sameRoute(route, want)) {
          result.unchanged.push(id);
          next.push(route);
        } else {
          result.updated.push(id);
          next.push(want);
        }
      }
      for (const [id, route] of wanted) {
        if (seen.has(id)) continue;
        result.added.push(id);
        next.push(route);
      }
      if (result.added.length + result.updated.length + result.removed.length === 0) return UNCHANGED;
      return { ...container, routes: next };
    });
    return result;
  }

  /** Replace in place if the id exists, else create; a lost race to create becomes a replace. */
  async #upsert(id: string, route: Route, create: () => Promise<void>): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      if (await this.admin.replaceById(id, route)) return;
      try {
        await create();
        return;
      } catch (error) {
        // Another writer created the same id between our replace and our create.
        if (error instanceof CaddyAdminError && /duplicate/i.test(error.caddyMessage)) continue;
        throw error;
      }
    }
    throw new CaddyAdminError(409, 'PUT', `/id/${id}`, 'route kept appearing and disappearing; retry');
  }
}

/** Caddy hands back the JSON it was given with object keys sorted; compare structurally. */
function sameRoute(a: Route, b: Route): boolean {
  return isDeepStrictEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)));
}
