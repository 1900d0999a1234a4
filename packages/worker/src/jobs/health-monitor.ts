import type { Workspace } from '@rockpool/db';
import type { GateEndpoint } from '../runtime/vm-runtime.js';
import { ideProblem, portListening } from './ide-health.js';
import { IdleWatch } from './idle-watch.js';
import type { WorkerPartDeps } from './part-deps.js';
import type { RouteWrites } from './route-turn.js';

export interface HealthMonitorDeps extends WorkerPartDeps {
  routes: RouteWrites;
  /** Milliseconds since the epoch; how long an IDE has been silent is measured with it. */
  now: () => number;
}

export interface HealthMonitorOptions {
  /** Consecutive failed IDE checks of a running VM before the workspace is marked error… */
  ideFailuresBeforeError: number;
  /** …spanning at least this long: a guest busy under TCG answers late, and that is not a dead IDE. */
  ideUnresponsiveMs: number;
  /** How long one IDE health check waits for code-server's answer. */
  ideProbeTimeoutMs: number;
}

/** A running workspace whose code-server has failed every check since `since`. */
interface IdeOutage {
  since: number;
  checks: number;
}

/**
 * Watches running workspaces: a VM that dies, or an IDE that stops answering, turns its workspace to
 * error and takes its route down instead of leaving a silent 502; it records whether an app
 * answers on each registered port, for the dashboard's live indicator; and it suspends a workspace
 * idle for its timeout (IdleWatch).
 */
export class HealthMonitor {
  readonly #deps: HealthMonitorDeps;
  readonly #options: HealthMonitorOptions;
  readonly #ideOutages = new Map<string, IdeOutage>();
  readonly #idle: IdleWatch;

  constructor(deps: HealthMonitorDeps, options: HealthMonitorOptions) {
    this.#deps = deps;
    this.#options = options;
    this.#idle = new IdleWatch(deps);
  }

  /**
   * Checks every running workspace that has no job in flight (a job owns its workspace meanwhile),
   * and records every idle workspace's disk use.
   */
  async checkAll(): Promise<void> {
    const { workspaces, jobs, log } = this.#deps;
    const idle = workspaces.all().filter((w) => jobs.pending(w.id).length === 0);
    await this.#measureDisks(idle);
    const due = idle.filter((w) => w.state === 'running');
    // In parallel: one slow guest must not delay every other workspace's check.
    await Promise.all(
      due.map((workspace) =>
        this.#check(workspace).catch((error) =>
          log(`health check of ${workspace.name} failed: ${(error as Error).message}`),
        ),
      ),
    );
  }

  /** Forgets the IDE outage of a workspace that was (re)started: its new IDE starts with a clean slate. */
  forget(workspaceId: string): void {
    this.#ideOutages.delete(workspaceId);
    this.#idle.forget(workspaceId);
  }

  async #check(workspace: Workspace): Promise<void> {
    const { runtime, workspaces, routes, log } = this.#deps;
    const vm = await runtime.inspect(workspace.name);
    let problem: string | undefined;
    let ideAnswered = false;
    if (vm.state !== 'running') problem = `the VM stopped unexpectedly (it is ${vm.state})`;
    else if (vm.gate) {
      const ide = await ideProblem(vm.gate, this.#options.ideProbeTimeoutMs);
      if (ide) problem = this.#ideUnanswered(workspace, ide);
      else this.#ideAnswered(workspace);
      ideAnswered = !ide;
    }
    if (!problem) {
      if (vm.gate) await this.#checkPorts(workspace, vm.gate);
      // A guest too busy to answer its health check is not asked how idle it is.
      if (vm.gate && ideAnswered) await this.#idle.check(workspace, vm.gate, this.#options.ideProbeTimeoutMs);
      return;
    }
    log(`${workspace.name}: ${problem}`);
    if (
      workspaces.transition(workspace.id, ['running'], { state: 'error', phase: 'failed', error: problem })
    ) {
      await routes.removeWorkspace(workspace.name);
      this.#ideOutages.delete(workspace.id);
    }
  }

  /**
   * A running guest's disk grows all the time, and each write to the database is an update sent to
   * every dashboard: changes under a MiB wait until they add up.
   */
  async #measureDisks(idle: Workspace[]): Promise<void> {
    for (const workspace of idle) {
      const bytes = await this.#deps.runtime.diskUsage(workspace.name);
      if (bytes !== undefined) this.#deps.workspaces.setDiskBytes(workspace.id, bytes, 1024 ** 2);
    }
  }

  /** Records whether an app answers on each registered port, for the dashboard's live indicator. */
  async #checkPorts(workspace: Workspace, gate: GateEndpoint): Promise<void> {
    const { ports } = this.#deps;
    for (const { port } of ports.list(workspace.id))
      ports.setListening(workspace.id, port, await portListening(gate, port));
  }

  /** The problem to report once code-server has failed enough checks for long enough; until then, none. */
  #ideUnanswered(workspace: Workspace, reason: string): string | undefined {
    const now = this.#deps.now();
    const outage = this.#ideOutages.get(workspace.id) ?? { since: now, checks: 0 };
    outage.checks++;
    this.#ideOutages.set(workspace.id, outage);
    if (outage.checks === 1)
      this.#deps.log(`${workspace.name}: code-server did not answer (${reason}); checking again`);
    const { ideFailuresBeforeError, ideUnresponsiveMs } = this.#options;
    if (outage.checks < ideFailuresBeforeError || now - outage.since < ideUnresponsiveMs) return undefined;
    const seconds = Math.round((now - outage.since) / 1000);
    return `code-server stopped answering: ${reason} (${outage.checks} checks over ${seconds} s)`;
  }

  #ideAnswered(workspace: Workspace): void {
    const outage = this.#ideOutages.get(workspace.id);
    if (!outage) return;
    this.#ideOutages.delete(workspace.id);
    const seconds = Math.round((this.#deps.now() - outage.since) / 1000);
    this.#deps.log(
      `${workspace.name}: code-server answers again (after ${outage.checks} failed checks over ${seconds} s)`,
    );
  }
}
