import { setTimeout as sleep } from 'node:timers/promises';
import { WorkspaceRouteMissingError } from '@rockpool/caddy';
import type { Job, Workspace } from '@rockpool/db';
import type { BootReport, VmSpec } from '../runtime/vm-runtime.js';
import { waitForIde } from './ide-health.js';
import type { WorkerPartDeps } from './part-deps.js';
import { refusalOf, routeRefusedMessage } from './route-refusal.js';
import type { RouteWrites } from './route-turn.js';
import type { StoreChanges } from './store-changes.js';
import { wakeRoute, workspaceRoute } from './workspace-route.js';

export interface JobRunnerDeps extends WorkerPartDeps {
  /** Owner of the leases this runner takes. */
  workerId: string;
  routes: RouteWrites;
  /** Milliseconds since the epoch; deadlines (how long code-server may take) are measured with it. */
  now: () => number;
  /** Called when a workspace has come up (its IDE answers and its route is in). */
  onRunning?: (workspace: Workspace) => void;
  /** Runs `sync_users` jobs: the edge's basic-auth accounts made to match the users table. */
  accounts?: { sync(): Promise<void> };
  /** Wakes the runner when a job may have been queued; without it, it polls every `pollMs`. */
  changes?: StoreChanges;
}

export interface JobRunnerOptions {
  /** A claimed job is someone else's after this long without a lease extension. */
  leaseMs: number;
  pollMs: number;
  /** Jobs run in parallel (never two of one workspace). */
  concurrency: number;
  /** How long code-server may take to answer after boot (TCG is slow). */
  ideTimeoutMs: number;
}

/**
 * Claims jobs from the durable queue and runs them as idempotent steps against the VM runtime and
 * Caddy, under a lease it keeps extending. A failed job is retried by the queue while attempts
 * remain; one that gives up leaves nothing half-done. A crash is recovered by running the job
 * again once the lease expires.
 */
export class JobRunner {
  readonly #deps: JobRunnerDeps;
  readonly #options: JobRunnerOptions;
  readonly #running = new Set<Promise<void>>();

  constructor(deps: JobRunnerDeps, options: JobRunnerOptions) {
    this.#deps = deps;
    this.#options = options;
  }

  /** Claims and runs jobs until `stopped()` is true; resolves once every job it began has settled. */
  async run(stopped: () => boolean): Promise<void> {
    while (!stopped()) {
      if (this.#running.size >= this.#options.concurrency) {
        await Promise.race(this.#running);
        continue;
      }
      const job = this.#deps.jobs.claim(this.#deps.workerId, this.#options.leaseMs);
      if (!job) {
        await (this.#deps.changes?.next(this.#options.pollMs) ?? sleep(this.#options.pollMs));
        continue;
      }
      const run = this.#runJob(job).finally(() => this.#running.delete(run));
      this.#running.add(run);
    }
    await Promise.allSettled(this.#running);
  }

  async #runJob(job: Job): Promise<void> {
    const { jobs, workerId, log } = this.#deps;
    const keepLease = setInterval(
      () => jobs.extendLease(job.id, workerId, this.#options.leaseMs),
      this.#options.leaseMs / 3,
    );
    try {
      log(`job ${job.id} ${job.kind} (attempt ${job.attempts}/${job.maxAttempts}) for ${job.workspaceId}`);
      // More claims than attempts means workers died running it: stop trying.
      if (job.attempts > job.maxAttempts) throw new Error(`gave up after ${job.maxAttempts} attempts`);
      await this.#handle(job);
      jobs.complete(job.id, workerId);
    } catch (error) {
      const message = (error as Error).message ?? String(error);
      log(`job ${job.id} ${job.kind} failed: ${message}`);
      // The queue retries while attempts remain; after the last one the job has failed for good.
      const state = jobs.fail(job.id, workerId, message, 1_000 * job.attempts);
      if (state === 'failed') await this.#onGaveUp(job, message).catch((e) => log(`cleanup failed: ${e}`));
    } finally {
      clearInterval(keepLease);
    }
  }

  async #handle(job: Job): Promise<void> {
    if (job.kind === 'sync_users') {
      if (!this.#deps.accounts) throw new Error('this worker does not manage the edge accounts');
      return this.#deps.accounts.sync();
    }
    const workspace = this.#deps.workspaces.find(job.workspaceId);
    if (!workspace) return; // Deleted meanwhile: nothing left to do.
    switch (job.kind) {
      case 'provision':
      case 'start':
        return this.#bringUp(workspace, job);
      case 'stop':
        return this.#stop(workspace);
      case 'suspend':
        return this.#suspend(workspace);
      case 'delete':
        return this.#delete(workspace);
      case 'add_port':
        return this.#addPort(workspace, job.payload.port as number);
      case 'remove_port':
        return this.#removePort(workspace, job.payload.port as number);
    }
  }

  #spec(workspace: Workspace): VmSpec {
    return { workspace: workspace.name, cpus: workspace.cpus, memoryMiB: workspace.memoryMiB };
  }

  /** Create VM, boot, wait for code-server, add the route, mark running. Each step is idempotent. */
  async #bringUp(workspace: Workspace, job: Job): Promise<void> {
    const { workspaces, runtime, ports, jobs, routes, workerId } = this.#deps;
    const state = workspace.state;
    if (state !== 'creating' && state !== 'starting') return;
    workspaces.setPhase(workspace.id, state, 'vm_creating');
    await runtime.create(this.#spec(workspace));
    const before = (await runtime.inspect(workspace.name)).state;
    workspaces.setPhase(workspace.id, state, before === 'suspended' ? 'vm_resuming' : 'vm_starting');
    const vm = await runtime.start(this.#spec(workspace));
    if (!vm.gate) throw new Error('the VM runs but reports no gate');
    // A retry that finds the VM running keeps what the first attempt reported.
    if (before !== 'running') {
      workspaces.setNotice(workspace.id, state, bootNotice(vm.boot));
      workspaces.setBootPath(workspace.id, state, vm.boot?.kind ?? 'cold');
    }
    if (vm.boot) this.#deps.log(`${workspace.name}: ${bootLog(vm.boot)}`);
    workspaces.setPhase(workspace.id, state, 'ide_starting');
    await waitForIde(vm.gate, {
      timeoutMs: this.#options.ideTimeoutMs,
      stillWanted: () => workspaces.find(workspace.id)?.state === state,
      onTick: () => jobs.extendLease(job.id, workerId, this.#options.leaseMs),
      now: this.#deps.now,
    });
    workspaces.setPhase(workspace.id, state, 'routing');
    await routes.putWorkspace(workspaceRoute(ports, workspace, vm.gate)).catch((error) => {
      const reason = refusalOf(error);
      throw reason === undefined ? error : new Error(routeRefusedMessage(workspace.name, reason));
    });
    if (!workspaces.transition(workspace.id, [state], { state: 'running', phase: 'ready' })) {
      // Deleted or stopped while we worked: take the route back down; that job does the rest.
      await routes.removeWorkspace(workspace.name);
      return;
    }
    // Coming up is activity: the idle clock starts now, whatever the gate slept through.
    workspaces.markActive(workspace.id, this.#deps.now());
    this.#deps.onRunning?.(workspace);
    this.#deps.log(`${workspace.name} is running (its gate at ${vm.gate.address})`);
    await this.#measureDisk(workspace);
  }

  async #stop(workspace: Workspace): Promise<void> {
    if (workspace.state !== 'stopping') return;
    await this.#routeToWake(workspace);
    await this.#deps.runtime.stop(workspace.name);
    if (
      this.#deps.workspaces.transition(workspace.id, ['stopping'], { state: 'stopped', phase: 'stopped' })
    ) {
      this.#deps.workspaces.setNotice(workspace.id, 'stopped', null);
      await this.#measureDisk(workspace);
    }
  }

  /**
   * Before a workspace goes to sleep, its routes lead to the wake handler instead of its gate: a
   * request meanwhile gets the waking page, not a 404 or a dead gate.
   */
  async #routeToWake(workspace: Workspace): Promise<void> {
    const { routes, wakeUpstream } = this.#deps;
    const route = wakeUpstream ? wakeRoute(this.#deps, workspace, wakeUpstream) : undefined;
    if (route) await routes.putWorkspace(route);
    else await routes.removeWorkspace(workspace.name);
  }

  /** Route to the wake handler, memory saved (or the VM stopped where the runtime cannot keep memory), suspended. */
  async #suspend(workspace: Workspace): Promise<void> {
    const { runtime, workspaces } = this.#deps;
    if (workspace.state !== 'suspending') return;
    await this.#routeToWake(workspace);
    await runtime.suspend(workspace.name);
    const kept = runtime.suspendKeepsMemory;
    if (!workspaces.transition(workspace.id, ['suspending'], { state: 'suspended', phase: 'suspended' }))
      return;
    workspaces.setNotice(
      workspace.id,
      'suspended',
      kept
        ? null
        : `The ${runtime.kind} runtime cannot keep a Linux guest's memory: the VM was shut down, and start boots it afresh.`,
    );
    await this.#measureDisk(workspace);
  }

  /** Records the workspace's disk use (after a job that changed it: its memory file came or went). */
  async #measureDisk(workspace: Workspace): Promise<void> {
    const bytes = await this.#deps.runtime.diskUsage(workspace.name);
    if (bytes !== undefined) this.#deps.workspaces.setDiskBytes(workspace.id, bytes);
  }

  async #delete(workspace: Workspace): Promise<void> {
    await this.#deps.routes.removeWorkspace(workspace.name);
    await this.#deps.runtime.delete(workspace.name);
    this.#deps.workspaces.delete(workspace.id);
  }

  async #addPort(workspace: Workspace, port: number): Promise<void> {
    const forwarded = this.#deps.ports.list(workspace.id).find((p) => p.port === port);
    if (!forwarded) return;
    if (workspace.state !== 'running') return; // Applied when the workspace comes up.
    try {
      // Nothing to do in the VM: its gate reaches every guest port; the route registers this one,
      // with its sharing level as the database has it now (a changed level comes this way too).
      await this.#deps.routes.putPort({ workspace: workspace.name, port, sharing: forwarded.sharing });
    } catch (error) {
      if (error instanceof WorkspaceRouteMissingError) return; // Stopping meanwhile.
      throw error;
    }
  }

  async #removePort(workspace: Workspace, port: number): Promise<void> {
    await this.#deps.routes.removePort(workspace.name, port);
    this.#deps.ports.remove(workspace.id, port);
  }

  /** A job that will not be retried leaves nothing half-done. */
  async #onGaveUp(job: Job, message: string): Promise<void> {
    const { workspaces, ports, runtime, routes } = this.#deps;
    const workspace = workspaces.find(job.workspaceId);
    if (!workspace) return;
    if (job.kind === 'add_port') {
      const port = job.payload.port as number;
      await routes.removePort(workspace.name, port);
      ports.remove(workspace.id, port);
      return;
    }
    if (job.kind === 'provision' || job.kind === 'start' || job.kind === 'stop' || job.kind === 'suspend') {
      await routes.removeWorkspace(workspace.name);
      // The guest flushed its disks before any suspend began; stopping it keeps them.
      await runtime.stop(workspace.name).catch(() => undefined);
      workspaces.transition(workspace.id, ['creating', 'starting', 'stopping', 'suspending', 'running'], {
        state: 'error',
        phase: 'failed',
        error: message,
      });
    }
  }
}

/** What a start that found saved memory tells the user (null: nothing worth saying). */
function bootNotice(boot: BootReport | undefined): string | null {
  if (!boot) return null;
  if (boot.kind === 'cold')
    return boot.instead === 'resume'
      ? `Resumed with a cold boot: ${boot.reason}. Open editors, terminals and processes were not kept.`
      : `Created with a cold boot (slower): ${boot.reason}.`;
  const done = boot.kind === 'resumed' ? 'Resumed from memory' : 'Created from the guest snapshot';
  return boot.notice ? `${done}, but ${boot.notice}.` : null;
}

/** The worker's log line about the path a start took. */
function bootLog(boot: BootReport): string {
  if (boot.kind === 'cold')
    return `booted cold instead of from ${boot.instead === 'resume' ? 'its saved memory' : 'the guest snapshot'}: ${boot.reason}`;
  const path = boot.kind === 'resumed' ? 'resumed from memory' : 'created from the guest snapshot';
  return boot.notice ? `${path} (${boot.notice})` : path;
}
