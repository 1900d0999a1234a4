import type { SyncResult, WorkspaceRouteOptions, WorkspaceRouter } from '@rockpool/caddy';
import type { WorkerPartDeps } from './part-deps.js';
import { refusalOf, routeRefusedMessage } from './route-refusal.js';
import type { RouteTurn } from './route-turn.js';
import { SyncBackoff } from './sync-backoff.js';
import { SLEEPING_STATES, wakeRoute, workspaceRoute } from './workspace-route.js';

export interface ReconcilerDeps extends WorkerPartDeps {
  router: Pick<WorkspaceRouter, 'sync' | 'putWorkspace'>;
  /** Shared with every other route write: a sync holds it from its database snapshot to its write. */
  turn: RouteTurn;
  /** Milliseconds since the epoch, for the back-off of a failing sync; default Date.now. */
  now?: () => number;
}

/** Brings VMs and Caddy in line with the database, at start-up and (routes) periodically. */
export class Reconciler {
  readonly #deps: ReconcilerDeps;
  readonly #backoff: SyncBackoff;

  constructor(deps: ReconcilerDeps) {
    this.#deps = deps;
    this.#backoff = new SyncBackoff(deps.now ?? Date.now);
  }

  /**
   * Brings VMs and Caddy in line with the database: VMs of running workspaces run (or the
   * workspace is restarted), those of stopped and suspended ones do not, VMs nobody owns are
   * removed, and Caddy's workspace routes are synced in one guarded write that leaves right routes
   * alone.
   */
  async reconcile(): Promise<void> {
    const { workspaces, runtime, jobs, log } = this.#deps;
    const all = workspaces.all();
    const known = new Set(all.map((w) => w.name));
    for (const orphan of (await runtime.list()).filter((name) => !known.has(name))) {
      log(`reconcile: removing VM ${orphan}, which no workspace owns`);
      await runtime.delete(orphan);
    }
    for (const workspace of all) {
      if (jobs.pending(workspace.id).length > 0) continue;
      const vm = await runtime.inspect(workspace.name);
      if (workspace.state === 'running' && vm.state !== 'running') {
        log(`reconcile: ${workspace.name} should run but its VM is ${vm.state}; starting it again`);
        if (workspaces.transition(workspace.id, ['running'], { state: 'starting', phase: 'queued' }))
          jobs.enqueue(workspace.id, 'start');
      } else if (workspace.state === 'stopped' && vm.state === 'running') {
        log(`reconcile: ${workspace.name} is stopped but its VM runs; stopping it`);
        await runtime.stop(workspace.name);
      } else if (workspace.state === 'suspended' && vm.state === 'running') {
        log(`reconcile: ${workspace.name} is suspended but its VM runs; suspending it`);
        await runtime.suspend(workspace.name);
      }
      // A suspended workspace has no process by design: its VM being suspended (or, where memory
      // is not kept, stopped) is what it should be, not a dead VM.
    }
    await this.syncRoutes(true);
  }

  /**
   * Makes Caddy's workspace routes match the database (running workspaces to their gates, sleeping
   * ones to the wake handler), in one guarded write that leaves
   * right routes alone (nothing is written when all are right). Workspaces with a job in flight
   * are left to that job. Runs at start-up and periodically, so a Caddy restarted with only its
   * bootstrap config gets its routes back.
   */
  syncRoutes(verbose = false): Promise<void> {
    return this.#deps.turn.take(() => this.#syncRoutes(verbose));
  }

  /**
   * The periodic sync: skipped while a failure backs off; a failure is logged once per distinct
   * message (and the recovery once), never thrown, so the loop goes on.
   */
  async syncRoutesPeriodically(): Promise<void> {
    if (!this.#backoff.due()) return;
    try {
      await this.syncRoutes();
      const ended = this.#backoff.succeeded();
      if (ended) this.#deps.log(`route sync works again (it failed with: ${ended})`);
    } catch (error) {
      const message = (error as Error).message;
      if (this.#backoff.failed(message)) this.#deps.log(`route sync failed: ${message}; backing off`);
    }
  }

  async #syncRoutes(verbose: boolean): Promise<void> {
    const { workspaces, runtime, router, ports, jobs, log, wakeUpstream } = this.#deps;
    const routes = [];
    const busy = [];
    for (const workspace of workspaces.all()) {
      if (jobs.pending(workspace.id).length > 0) {
        busy.push(workspace.name);
        continue;
      }
      if (SLEEPING_STATES.includes(workspace.state)) {
        const route = wakeUpstream ? wakeRoute(this.#deps, workspace, wakeUpstream) : undefined;
        if (route) routes.push(route);
        continue;
      }
      if (workspace.state !== 'running') continue;
      const vm = await runtime.inspect(workspace.name);
      if (vm.state !== 'running' || !vm.gate) continue;
      routes.push(workspaceRoute(ports, workspace, vm.gate));
    }
    let result: SyncResult;
    try {
      result = await router.sync(routes, { keep: busy });
    } catch (error) {
      if (refusalOf(error) === undefined) throw error;
      // One route Caddy will not load fails the whole write: find it, mark its workspace, sync the rest.
      const refused = await this.#failRefused(routes);
      result = await router.sync(
        routes.filter((route) => !refused.has(route.name)),
        { keep: busy },
      );
    }
    if (verbose || result.added.length + result.updated.length + result.removed.length > 0)
      log(
        `routes: added ${result.added.length}, updated ${result.updated.length}, removed ${result.removed.length}, unchanged ${result.unchanged.length}`,
      );
  }

  /**
   * Writes each route alone; a workspace whose route Caddy refuses goes to `error` with Caddy's
   * reason (it never shows `running` without its route), and the next syncs leave it out.
   */
  async #failRefused(routes: WorkspaceRouteOptions[]): Promise<Set<string>> {
    const { workspaces, router, log } = this.#deps;
    const refused = new Set<string>();
    for (const route of routes) {
      try {
        await router.putWorkspace(route);
      } catch (error) {
        const reason = refusalOf(error);
        if (reason === undefined) throw error;
        refused.add(route.name);
        const message = routeRefusedMessage(route.name, reason);
        const workspace = workspaces.find(route.name);
        if (workspace)
          workspaces.transition(workspace.id, ['running'], {
            state: 'error',
            phase: 'failed',
            error: message,
          });
        log(`routes: ${message}`);
      }
    }
    return refused;
  }
}
