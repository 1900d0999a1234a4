import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkspaceRouter } from '@rockpool/caddy';
import type { HeartbeatStore, JobQueue, PortStore, WorkspaceStore } from '@rockpool/db';
import type { VmRuntime } from '../runtime/vm-runtime.js';
import type { EdgeAccounts } from './edge-accounts.js';
import { HealthMonitor, type HealthMonitorOptions } from './health-monitor.js';
import { JobRunner, type JobRunnerOptions } from './job-runner.js';
import type { WorkerPartDeps } from './part-deps.js';
import { Reconciler } from './reconciler.js';
import { RouteTurn } from './route-turn.js';
import type { StoreChanges } from './store-changes.js';

export interface WorkerDeps {
  workspaces: WorkspaceStore;
  ports: PortStore;
  jobs: JobQueue;
  heartbeats: HeartbeatStore;
  runtime: VmRuntime;
  router: WorkspaceRouter;
  /** The edge's basic-auth accounts; without it `sync_users` jobs fail (no accounts to manage). */
  accounts?: EdgeAccounts;
  log?: (message: string) => void;
  /** Where the control plane's wake handler listens (`unix//path`); see WorkerPartDeps. */
  wakeUpstream?: string;
  /** Milliseconds since the epoch; default Date.now. */
  now?: () => number;
  /** Changes of the job store (see watchStoreChanges): a queued job is claimed at once. */
  storeChanges?: StoreChanges;
}

export interface WorkerOptions extends Partial<JobRunnerOptions>, Partial<HealthMonitorOptions> {
  /** How often running workspaces are checked; a VM that died turns its workspace to error. */
  healthIntervalMs?: number;
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

const HEARTBEAT_MS = 2_000;

/**
 * The worker process's parts, wired together: the job runner (claim, lease, run, retry), the
 * reconciler (start-up reconcile and route sync) and the health monitor, with one route turn shared
 * by every route write. A crash anywhere is recovered by running the job again (the lease expires),
 * by reconciliation at start-up, and by the health monitor.
 */
export class Worker {
  readonly id = `worker-${process.pid}-${randomBytes(3).toString('hex')}`;
  readonly #deps: WorkerDeps;
  readonly #options: Required<WorkerOptions>;
  readonly #runner: JobRunner;
  readonly #reconciler: Reconciler;
  readonly #health: HealthMonitor;
  readonly #log: (message: string) => void;
  #stopped = false;
  #loops: Promise<void>[] = [];

  constructor(deps: WorkerDeps, options: WorkerOptions = {}) {
    this.#deps = deps;
    this.#options = { ...DEFAULTS, ...options };
    const write = deps.log ?? ((message: string) => process.stderr.write(`${message}\n`));
    this.#log = (message: string) => write(`[${this.id}] ${message}`);
    const { workspaces, ports, jobs, runtime, router } = deps;
    const part: WorkerPartDeps = {
      workspaces,
      ports,
      jobs,
      runtime,
      log: this.#log,
      ...(deps.wakeUpstream ? { wakeUpstream: deps.wakeUpstream } : {}),
    };
    const now = deps.now ?? Date.now;
    const turn = new RouteTurn(router);
    this.#reconciler = new Reconciler({ ...part, router, turn, now });
    this.#health = new HealthMonitor({ ...part, routes: turn.writes, now }, this.#options);
    this.#runner = new JobRunner(
      {
        ...part,
        workerId: this.id,
        routes: turn.writes,
        now,
        onRunning: (workspace) => this.#health.forget(workspace.id),
        ...(deps.accounts ? { accounts: deps.accounts } : {}),
        ...(deps.storeChanges ? { changes: deps.storeChanges } : {}),
      },
      this.#options,
    );
  }

  async start(): Promise<void> {
    this.#beat();
    await this.reconcile();
    const stopped = () => this.#stopped;
    this.#loops = [this.#runner.run(stopped), this.#heartbeatLoop(), this.#healthLoop()];
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.allSettled(this.#loops);
    this.#deps.heartbeats.remove(this.id);
  }

  /** See {@link Reconciler.reconcile}. */
  reconcile(): Promise<void> {
    return this.#reconciler.reconcile();
  }

  /** See {@link Reconciler.syncRoutes}. */
  syncRoutes(): Promise<void> {
    return this.#reconciler.syncRoutes();
  }

  #beat(): void {
    this.#deps.heartbeats.beat(this.id, process.pid, this.#deps.runtime.kind);
  }

  async #heartbeatLoop(): Promise<void> {
    while (!this.#stopped) {
      this.#beat();
      await sleep(HEARTBEAT_MS);
    }
  }

  /** Every interval: routes back in line with the database, then every running workspace checked. */
  async #healthLoop(): Promise<void> {
    while (!this.#stopped) {
      await sleep(this.#options.healthIntervalMs);
      await this.#reconciler.syncRoutesPeriodically();
      await this.#deps.accounts?.syncPeriodically();
      await this.#health.checkAll();
    }
  }
}
