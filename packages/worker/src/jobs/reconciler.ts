import type { WorkspaceRouter } from '@rockpool/caddy';
import type { WorkerPartDeps } from './part-deps.js';
import type { RouteTurn } from './route-turn.js';
import { workspaceRoute } from './workspace-route.js';

export interface ReconcilerDeps extends WorkerPartDeps {
  router: Pick<WorkspaceRouter, 'sync'>;
  /** Shared with every other route write: a sync holds it from its database snapshot to its write. */
  turn: RouteTurn;
}

/** Brings VMs and Caddy in line with the database, at start-up and (routes) periodically. */
export class Reconciler {
  readonly #deps: ReconcilerDeps;

  constructor(deps: ReconcilerDeps) {
    this.#deps = deps;
  }

  /**
   * Brings VMs and Caddy in line with the database: VMs of running workspaces run (or the
   * workspace is restarted), VMs nobody owns are removed, and Caddy's workspace routes are synced in
   * one guarded write that leaves right routes alone.
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
      }
    }
    await this.syncRoutes(true);
  }

  /**
   * Makes Caddy's workspace routes match the running workspaces, in one guarded write that leaves
   * right routes alone (nothing is written when all are right). Workspaces with a job in flight
   * are left to that job. Runs at start-up and periodically, so a Caddy restarted with only its
   * bootstrap config gets its routes back.
   */
  syncRoutes(verbose = false): Promise<void> {
    return this.#deps.turn.take(() => this.#syncRoutes(verbose));
  }

  async #syncRoutes(verbose: boolean): Promise<void> {
    const { workspaces, runtime, router, ports, jobs, log } = this.#deps;
    const routes = [];
    const busy = [];
    for (const workspace of workspaces.all()) {
      if (jobs.pending(workspace.id).length > 0) {
        busy.push(workspace.name);
        continue;
      }
      if (workspace.state !== 'running') continue;
      const vm = await runtime.inspect(workspace.name);
      if (vm.state !== 'running' || !vm.gate) continue;
      routes.push(workspaceRoute(ports, workspace, vm.gate));
    }
    const result = await router.sync(routes, { keep: busy });
    if (verbose || result.added.length + result.updated.length + result.removed.length > 0)
      log(
        `routes: added ${result.added.length}, updated ${result.updated.length}, removed ${result.removed.length}, unchanged ${result.unchanged.length}`,
      );
  }
}
