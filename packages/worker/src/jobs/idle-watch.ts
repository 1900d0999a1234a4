import type { Workspace } from '@rockpool/db';
import { formatIdle, idleSuspendDue, lastActive, TRANSITIONS } from '@rockpool/model';
import type { GateEndpoint } from '../runtime/vm-runtime.js';
import { gateIdleMs } from './ide-health.js';
import type { WorkerPartDeps } from './part-deps.js';

export interface IdleWatchDeps extends WorkerPartDeps {
  /** Milliseconds since the epoch. */
  now: () => number;
}

/**
 * `activeAt` moves in steps of this much: every write is an update pushed to every dashboard, and
 * the dashboard shows idle time to the minute.
 */
export const ACTIVE_AT_STEP_MS = 60_000;

/**
 * Idle suspend: asks a running workspace's gate how long its owner has been away (see
 * packages/guest/src/gate/activity.mjs for what counts), records when it was last active, and
 * queues a suspend once that is its idle timeout ago.
 */
export class IdleWatch {
  readonly #deps: IdleWatchDeps;
  /** The last problem said per workspace, so a gate that cannot answer is logged once, not every check. */
  readonly #problems = new Map<string, string>();

  constructor(deps: IdleWatchDeps) {
    this.#deps = deps;
  }

  async check(workspace: Workspace, gate: GateEndpoint, timeoutMs: number): Promise<void> {
    const { workspaces, jobs, log, now } = this.#deps;
    const report = await gateIdleMs(gate, timeoutMs);
    if ('problem' in report) {
      if (this.#problems.get(workspace.id) !== report.problem)
        log(`${workspace.name}: idle time unknown, so no idle suspend: ${report.problem}`);
      this.#problems.set(workspace.id, report.problem);
      return;
    }
    this.#problems.delete(workspace.id);
    const at = now();
    const active = lastActive(workspace.activeAt, report.idleMs, at);
    // Stored to the step; the decision below uses the exact time.
    workspaces.markActive(workspace.id, active, ACTIVE_AT_STEP_MS);
    const facts = { ...workspace, activeAt: new Date(active).toISOString() };
    if (!idleSuspendDue(facts, at)) return;
    const { to, phase } = TRANSITIONS.suspend;
    if (!workspaces.transition(workspace.id, ['running'], { state: to, phase })) return;
    jobs.enqueue(workspace.id, 'suspend');
    log(
      `${workspace.name}: idle for ${formatIdle(at - active)} (its timeout: ${workspace.idleTimeoutMinutes} min); suspending it`,
    );
  }

  forget(workspaceId: string): void {
    this.#problems.delete(workspaceId);
  }
}
