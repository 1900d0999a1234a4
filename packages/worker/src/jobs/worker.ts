import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkspaceRouteMissingError, type WorkspaceRouter } from '@rockpool/caddy';
import type { HeartbeatStore, Job, JobQueue, PortStore, Workspace, WorkspaceStore } from '@rockpool/db';
import type { VmRuntime, VmSpec } from '../runtime/vm-runtime.js';
import { answersHttp, ideProblem, waitForIde } from './ide-health.js';

export interface WorkerDeps {
  workspaces: WorkspaceStore;
  ports: PortStore;
  jobs: JobQueue;
  heartbeats: HeartbeatStore;
  runtime: VmRuntime;
  router: WorkspaceRouter;
  log?: (message: string) => void;
}

export interface WorkerOptions {
  /** A claimed job is someone else's after this long without a lease extension. */
  leaseMs?: number;
  pollMs?: number;
  /** Jobs run in parallel (never two of one workspace). */
  concurrency?: number;
  /** How long code-server may take to answer after boot (TCG is slow). */
  ideTimeoutMs?: number;
  /** How often running workspaces are checked; a VM that died turns its workspace to error. */
  healthIntervalMs?: number;
  /** Consecutive failed IDE checks of a running VM before the workspace is marked error… */
  ideFailuresBeforeError?: number;
  /** …spanning at least this long: a guest busy under TCG answers late, and that is not a dead IDE. */
  ideUnresponsiveMs?: number;
  /** How long one IDE health check waits for code-server's answer. */
  ideProbeTimeoutMs?: number;
}

const DEFAULTS: Required<WorkerOptions> = {
  leaseMs: 20_000,
  pollMs: 200,
  concurrency: 2,
  ideTimeoutMs: 240_000,
  healthIntervalMs: 5_000,
  ideFailuresBeforeError: 3,
  ideUnresponsiveMs: 60_000,
  ideProbeTimeoutMs: 5_000,
};

/** A running workspace whose code-server has failed every check since `since`. */
interface IdeOutage {
  since: number;
  checks: number;
}

/**
 * Claims jobs from the durable queue and runs them as idempotent steps against the VM runtime and
 * Caddy. A crash anywhere is recovered by running the job again (the lease expires), by
 * reconciliation at start-up, and by the health monitor.
 */
export class Worker {
  readonly id = `worker-${process.pid}-${randomBytes(3).toString('hex')}`;
  readonly #deps: WorkerDeps;
  readonly #options: Required<WorkerOptions>;
  readonly #running = new Set<Promise<void>>();
  readonly #ideOutages = new Map<string, IdeOutage>();
  #stopped = false;
  #loops: Promise<void>[] = [];
  /**
   * Route writes run one at a time, and a sync holds the turn from its database snapshot to its
   * write: a job's write landing in between (a port added through the API) would otherwise be
   * undone by a sync computed before it.
   */
  #routeTurn: Promise<unknown> = Promise.resolve();
  readonly #router: Pick<WorkspaceRouter, 'putWorkspace' | 'removeWorkspace' | 'putPort' | 'removePort'>;

  constructor(deps: WorkerDeps, options: WorkerOptions = {}) {
    this.#deps = deps;
    this.#options = { ...DEFAULTS, ...options };
    const router = deps.router;
    this.#router = {
      putWorkspace: (route) => this.#inRouteTurn(() => router.putWorkspace(route)),
      removeWorkspace: (name) => this.#inRouteTurn(() => router.removeWorkspace(name)),
      putPort: (route) => this.#inRouteTurn(() => router.putPort(route)),
      removePort: (name, port) => this.#inRouteTurn(() => router.removePort(name, port)),
    };
  }

  #inRouteTurn<T>(write: () => Promise<T>): Promise<T> {
    const result = this.#routeTurn.then(write);
    this.#routeTurn = result.catch(() => undefined);
    return result;
  }

  #log(message: string): void {
    (this.#deps.log ?? ((m) => process.stderr.write(`${m}\n`)))(`[${this.id}] ${message}`);
  }

  async start(): Promise<void> {
    this.#deps.heartbeats.beat(this.id, process.pid, this.#deps.runtime.kind);
    await this.reconcile();
    this.#loops = [this.#claimLoop(), this.#heartbeatLoop(), this.#healthLoop()];
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.allSettled([...this.#loops, ...this.#running]);
    this.#deps.heartbeats.remove(this.id);
  }

  /**
   * Brings VMs and Caddy in line with the database: VMs of running workspaces run (or the
   * workspace is restarted), VMs nobody owns are removed, and Caddy's workspace routes are synced in
   * one guarded write that leaves right routes alone.
   */
  async reconcile(): Promise<void> {
    const { workspaces, runtime, jobs } = this.#deps;
    const all = workspaces.all();
    const known = new Set(all.map((w) => w.name));
    for (const orphan of (await runtime.list()).filter((name) => !known.has(name))) {
      this.#log(`reconcile: removing VM ${orphan}, which no workspace owns`);
      await runtime.delete(orphan);
    }
    for (const workspace of all) {
      if (jobs.pending(workspace.id).length > 0) continue;
      const vm = await runtime.inspect(workspace.name);
      if (workspace.state === 'running' && vm.state !== 'running') {
        this.#log(`reconcile: ${workspace.name} should run but its VM is ${vm.state}; starting it again`);
        if (workspaces.transition(workspace.id, ['running'], { state: 'starting', phase: 'queued' }))
          jobs.enqueue(workspace.id, 'start');
      } else if (workspace.state === 'stopped' && vm.state === 'running') {
        this.#log(`reconcile: ${workspace.name} is stopped but its VM runs; stopping it`);
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
    return this.#inRouteTurn(() => this.#syncRoutes(verbose));
  }

  async #syncRoutes(verbose: boolean): Promise<void> {
    const { workspaces, runtime, router, ports, jobs } = this.#deps;
    const routes = [];
    const busy = [];
    for (const workspace of workspaces.all()) {
      if (jobs.pending(workspace.id).length > 0) {
        busy.push(workspace.name);
        continue;
      }
      if (workspace.state !== 'running') continue;
      const vm = await runtime.inspect(workspace.name);
      if (vm.state !== 'running' || !vm.ide) continue;
      const forwarded = [];
      for (const { port } of ports.list(workspace.id))
        forwarded.push({ port, upstream: await runtime.exposePort(workspace.name, port) });
      routes.push({ name: workspace.name, upstream: vm.ide, ports: forwarded });
    }
    const result = await router.sync(routes, { keep: busy });
    if (verbose || result.added.length + result.updated.length + result.removed.length > 0)
      this.#log(
        `routes: added ${result.added.length}, updated ${result.updated.length}, removed ${result.removed.length}, unchanged ${result.unchanged.length}`,
      );
  }

  async #claimLoop(): Promise<void> {
    while (!this.#stopped) {
      if (this.#running.size >= this.#options.concurrency) {
        await Promise.race(this.#running);
        continue;
      }
      const job = this.#deps.jobs.claim(this.id, this.#options.leaseMs);
      if (!job) {
        await sleep(this.#options.pollMs);
        continue;
      }
      const run = this.#runJob(job).finally(() => this.#running.delete(run));
      this.#running.add(run);
    }
  }

  async #heartbeatLoop(): Promise<void> {
    while (!this.#stopped) {
      this.#deps.heartbeats.beat(this.id, process.pid, this.#deps.runtime.kind);
      await sleep(2_000);
    }
  }

  async #runJob(job: Job): Promise<void> {
    const { jobs } = this.#deps;
    const keepLease = setInterval(
      () => jobs.extendLease(job.id, this.id, this.#options.leaseMs),
      this.#options.leaseMs / 3,
    );
    try {
      this.#log(
        `job ${job.id} ${job.kind} (attempt ${job.attempts}/${job.maxAttempts}) for ${job.workspaceId}`,
      );
      // More claims than attempts means workers died running it: stop trying.
      if (job.attempts > job.maxAttempts) throw new Error(`gave up after ${job.maxAttempts} attempts`);
      await this.#handle(job);
      jobs.complete(job.id, this.id);
    } catch (error) {
      const message = (error as Error).message ?? String(error);
      this.#log(`job ${job.id} ${job.kind} failed: ${message}`);
      // The queue retries while attempts remain; after the last one the job has failed for good.
      const state = jobs.fail(job.id, this.id, message, 1_000 * job.attempts);
      if (state === 'failed')
        await this.#onGaveUp(job, message).catch((e) => this.#log(`cleanup failed: ${e}`));
    } finally {
      clearInterval(keepLease);
    }
  }

  async #handle(job: Job): Promise<void> {
    const workspace = this.#deps.workspaces.find(job.workspaceId);
    if (!workspace) return; // Deleted meanwhile: nothing left to do.
    switch (job.kind) {
      case 'provision':
      case 'start':
        return this.#bringUp(workspace, job);
      case 'stop':
        return this.#stop(workspace);
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
    const { workspaces, runtime, ports, jobs } = this.#deps;
    const router = this.#router;
    const state = workspace.state;
    if (state !== 'creating' && state !== 'starting') return;
    const stillWanted = () => workspaces.find(workspace.id)?.state === state;
    workspaces.setPhase(workspace.id, state, 'vm_creating');
    await runtime.create(this.#spec(workspace));
    workspaces.setPhase(workspace.id, state, 'vm_starting');
    const vm = await runtime.start(this.#spec(workspace));
    if (!vm.ide) throw new Error('the VM runs but reports no IDE address');
    workspaces.setPhase(workspace.id, state, 'ide_starting');
    await waitForIde(vm.ide, this.#options.ideTimeoutMs, stillWanted, () =>
      jobs.extendLease(job.id, this.id, this.#options.leaseMs),
    );
    workspaces.setPhase(workspace.id, state, 'routing');
    const forwarded = [];
    for (const { port } of ports.list(workspace.id))
      forwarded.push({ port, upstream: await runtime.exposePort(workspace.name, port) });
    await router.putWorkspace({ name: workspace.name, upstream: vm.ide, ports: forwarded });
    if (!workspaces.transition(workspace.id, [state], { state: 'running', phase: 'ready' })) {
      // Deleted or stopped while we worked: take the route back down; that job does the rest.
      await router.removeWorkspace(workspace.name);
      return;
    }
    this.#ideOutages.delete(workspace.id);
    this.#log(`${workspace.name} is running (IDE at ${vm.ide})`);
  }

  async #stop(workspace: Workspace): Promise<void> {
    if (workspace.state !== 'stopping') return;
    await this.#router.removeWorkspace(workspace.name);
    await this.#deps.runtime.stop(workspace.name);
    this.#deps.workspaces.transition(workspace.id, ['stopping'], { state: 'stopped', phase: 'stopped' });
  }

  async #delete(workspace: Workspace): Promise<void> {
    await this.#router.removeWorkspace(workspace.name);
    await this.#deps.runtime.delete(workspace.name);
    this.#deps.workspaces.delete(workspace.id);
  }

  async #addPort(workspace: Workspace, port: number): Promise<void> {
    if (!this.#deps.ports.list(workspace.id).some((p) => p.port === port)) return;
    if (workspace.state !== 'running') return; // Applied when the workspace comes up.
    const upstream = await this.#deps.runtime.exposePort(workspace.name, port);
    try {
      await this.#router.putPort({ workspace: workspace.name, port, upstream });
    } catch (error) {
      if (error instanceof WorkspaceRouteMissingError) return; // Stopping meanwhile.
      throw error;
    }
  }

  async #removePort(workspace: Workspace, port: number): Promise<void> {
    await this.#router.removePort(workspace.name, port);
    await this.#deps.runtime.unexposePort(workspace.name, port);
    this.#deps.ports.remove(workspace.id, port);
  }

  /** A job that will not be retried leaves nothing half-done. */
  async #onGaveUp(job: Job, message: string): Promise<void> {
    const { workspaces, ports, runtime } = this.#deps;
    const router = this.#router;
    const workspace = workspaces.find(job.workspaceId);
    if (!workspace) return;
    if (job.kind === 'add_port') {
      const port = job.payload.port as number;
      await router.removePort(workspace.name, port);
      await runtime.unexposePort(workspace.name, port).catch(() => undefined);
      ports.remove(workspace.id, port);
      return;
    }
    if (job.kind === 'provision' || job.kind === 'start' || job.kind === 'stop') {
      await router.removeWorkspace(workspace.name);
      await runtime.stop(workspace.name).catch(() => undefined);
      workspaces.transition(workspace.id, ['creating', 'starting', 'stopping', 'running'], {
        state: 'error',
        phase: 'failed',
        error: message,
      });
    }
  }

  /** A VM that dies, or an IDE that stops answering, turns its workspace to error instead of a silent 502. */
  async #healthLoop(): Promise<void> {
    while (!this.#stopped) {
      await sleep(this.#options.healthIntervalMs);
      await this.syncRoutes().catch((error) => this.#log(`route sync failed: ${(error as Error).message}`));
      const due = this.#deps.workspaces
        .all()
        .filter((w) => w.state === 'running' && this.#deps.jobs.pending(w.id).length === 0);
      // In parallel: one slow guest must not delay every other workspace's check.
      await Promise.all(
        due.map((workspace) =>
          this.#checkHealth(workspace).catch((error) =>
            this.#log(`health check of ${workspace.name} failed: ${(error as Error).message}`),
          ),
        ),
      );
    }
  }

  /** Records whether an app answers on each forwarded port, for the dashboard's live indicator. */
  async #checkPorts(workspace: Workspace): Promise<void> {
    for (const { port } of this.#deps.ports.list(workspace.id)) {
      const upstream = await this.#deps.runtime.exposePort(workspace.name, port);
      this.#deps.ports.setListening(workspace.id, port, await answersHttp(upstream));
    }
  }

  async #checkHealth(workspace: Workspace): Promise<void> {
    const vm = await this.#deps.runtime.inspect(workspace.name);
    let problem: string | undefined;
    if (vm.state !== 'running') problem = `the VM stopped unexpectedly (it is ${vm.state})`;
    else if (vm.ide) {
      const ide = await ideProblem(vm.ide, this.#options.ideProbeTimeoutMs);
      if (ide) problem = this.#ideUnanswered(workspace, ide);
      else this.#ideAnswered(workspace);
    }
    if (!problem) {
      await this.#checkPorts(workspace);
      return;
    }
    this.#log(`${workspace.name}: ${problem}`);
    if (
      this.#deps.workspaces.transition(workspace.id, ['running'], {
        state: 'error',
        phase: 'failed',
        error: problem,
      })
    ) {
      await this.#router.removeWorkspace(workspace.name);
      this.#ideOutages.delete(workspace.id);
    }
  }

  /** The problem to report once code-server has failed enough checks for long enough; until then, none. */
  #ideUnanswered(workspace: Workspace, reason: string): string | undefined {
    const now = Date.now();
    const outage = this.#ideOutages.get(workspace.id) ?? { since: now, checks: 0 };
    outage.checks++;
    this.#ideOutages.set(workspace.id, outage);
    if (outage.checks === 1)
      this.#log(`${workspace.name}: code-server did not answer (${reason}); checking again`);
    const { ideFailuresBeforeError, ideUnresponsiveMs } = this.#options;
    if (outage.checks < ideFailuresBeforeError || now - outage.since < ideUnresponsiveMs) return undefined;
    const seconds = Math.round((now - outage.since) / 1000);
    return `code-server stopped answering: ${reason} (${outage.checks} checks over ${seconds} s)`;
  }

  #ideAnswered(workspace: Workspace): void {
    const outage = this.#ideOutages.get(workspace.id);
    if (!outage) return;
    this.#ideOutages.delete(workspace.id);
    const seconds = Math.round((Date.now() - outage.since) / 1000);
    this.#log(
      `${workspace.name}: code-server answers again (after ${outage.checks} failed checks over ${seconds} s)`,
    );
  }
}
