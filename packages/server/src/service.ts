import type {
  ForwardedPort,
  HeartbeatStore,
  Job,
  JobQueue,
  Page,
  PortStore,
  Workspace,
  WorkspaceStore,
} from '@rockpool/db';
import {
  type CreateWorkspaceInput,
  DEFAULT_PORT_SHARING,
  type PortSharing,
  PUBLIC_PORTS_SETTING,
  TRANSITIONS,
  type UpdateWorkspaceBody,
  type WorkspaceAction,
  whyNot,
} from '@rockpool/model';
import { canSee, type Viewer } from './auth/viewer.js';
import { ApiError, conflict, notFound } from './errors.js';
import { awaitJob } from './job-wait.js';

export interface ServiceDeps {
  workspaces: WorkspaceStore;
  ports: PortStore;
  jobs: JobQueue;
  heartbeats: HeartbeatStore;
  /** How long a port change on a running workspace waits for the worker. */
  portJobTimeoutMs?: number;
  /** A worker heartbeat older than this means the worker is down. */
  workerStaleMs?: number;
  /** Whether ports may be shared `public` (ROCKPOOL_PUBLIC_PORTS); the edge serves them only then. */
  publicPorts?: boolean;
  now?: () => number;
}

export interface WorkspaceWithPorts extends Workspace {
  ports: ForwardedPort[];
}

/** The control plane's rules: state machine, limits, and the jobs it hands to the worker. */
export class WorkspaceService {
  readonly #deps: Required<ServiceDeps>;

  constructor(deps: ServiceDeps) {
    this.#deps = {
      portJobTimeoutMs: 60_000,
      workerStaleMs: 15_000,
      publicPorts: false,
      now: Date.now,
      ...deps,
    };
  }

  get workspaces(): WorkspaceStore {
    return this.#deps.workspaces;
  }

  /** Every workspace with its ports (for the event stream, which filters per subscriber). */
  all(): WorkspaceWithPorts[] {
    return this.#deps.workspaces.all().map((w) => ({ ...w, ports: this.#deps.ports.list(w.id) }));
  }

  /**
   * Names are unique across all users: a name another user holds answers 409 `name_taken` too.
   * That says the name exists (nothing more: not whose, nor its state); a per-user namespace
   * would change every URL, so this is the documented exception to "missing and hidden look alike".
   */
  create(input: CreateWorkspaceInput, owner: string): WorkspaceWithPorts {
    if (this.#deps.workspaces.find(input.name))
      throw conflict('name_taken', `A workspace named ${input.name} already exists.`, { field: 'name' });
    let workspace: Workspace;
    try {
      workspace = this.#deps.workspaces.insert({ ...input, owner });
    } catch (error) {
      if (/UNIQUE/.test((error as Error).message))
        throw conflict('name_taken', `A workspace named ${input.name} already exists.`, { field: 'name' });
      throw error;
    }
    this.#deps.jobs.enqueue(workspace.id, 'provision');
    return { ...workspace, ports: [] };
  }

  /** The workspace, if `viewer` may see it: anyone else's answers exactly as a missing one. */
  get(idOrName: string, viewer: Viewer): WorkspaceWithPorts {
    const workspace = this.#deps.workspaces.find(idOrName);
    if (!workspace || !canSee(viewer, workspace.owner)) throw notFound(`No workspace ${idOrName}.`);
    return { ...workspace, ports: this.#deps.ports.list(workspace.id) };
  }

  /** A member's own workspaces; an admin's list holds everyone's. */
  list(page: { limit: number; cursor?: string }, viewer: Viewer): Page<WorkspaceWithPorts> {
    const result = this.#deps.workspaces.list({
      ...page,
      ...(viewer.role === 'admin' ? {} : { owner: viewer.name }),
    });
    return { ...result, items: result.items.map((w) => ({ ...w, ports: this.#deps.ports.list(w.id) })) };
  }

  /** Changes the workspace's settings (the idle timeout takes effect at the worker's next check). */
  update(idOrName: string, changes: UpdateWorkspaceBody, viewer: Viewer): WorkspaceWithPorts {
    const workspace = this.get(idOrName, viewer);
    const updated = this.#deps.workspaces.setIdleTimeout(workspace.id, changes.idleTimeoutMinutes);
    if (!updated) throw notFound(`No workspace ${idOrName}.`);
    return { ...updated, ports: this.#deps.ports.list(updated.id) };
  }

  act(idOrName: string, action: WorkspaceAction, viewer: Viewer): WorkspaceWithPorts {
    const workspace = this.get(idOrName, viewer);
    const transition = TRANSITIONS[action];
    const moved = this.#deps.workspaces.transition(workspace.id, transition.from, {
      state: transition.to,
      phase: transition.phase,
    });
    if (!moved) {
      const now = this.get(workspace.id, viewer);
      throw conflict('invalid_state', whyNot(action, now.state), { state: now.state });
    }
    if (action === 'delete') this.#deps.jobs.cancelPending(workspace.id, 'the workspace is being deleted');
    this.#deps.jobs.enqueue(workspace.id, action === 'start' ? 'start' : action);
    return { ...moved, ports: this.#deps.ports.list(moved.id) };
  }

  async addPort(
    idOrName: string,
    port: number,
    viewer: Viewer,
    sharing: PortSharing = DEFAULT_PORT_SHARING,
  ): Promise<ForwardedPort> {
    const workspace = this.get(idOrName, viewer);
    if (workspace.state === 'deleting') throw conflict('invalid_state', 'The workspace is being deleted.');
    this.#allowSharing(sharing);
    const added = this.#deps.ports.add(workspace.id, port, sharing);
    if (!added.ok)
      throw added.reason === 'duplicate'
        ? conflict('port_exists', `Port ${port} is already forwarded for ${workspace.name}.`, { port })
        : conflict('port_limit', `A workspace forwards at most 5 ports; remove one before adding ${port}.`, {
            port,
            limit: 5,
          });
    const job = this.#deps.jobs.enqueue(workspace.id, 'add_port', { port });
    // A running workspace gets the route now; otherwise it is applied when the workspace starts.
    if (workspace.state === 'running') await this.#await(job, `forwarding port ${port}`);
    return added.port;
  }

  /**
   * Changes who may reach a forwarded port. The worker rewrites the port's table entry (an
   * `add_port` job, which puts the entry as the database has it); a running workspace's caller
   * waits for the edge to have it.
   */
  async setPortSharing(
    idOrName: string,
    port: number,
    sharing: PortSharing,
    viewer: Viewer,
  ): Promise<ForwardedPort> {
    const workspace = this.get(idOrName, viewer);
    this.#allowSharing(sharing);
    const changed = this.#deps.ports.setSharing(workspace.id, port, sharing);
    if (!changed) throw notFound(`Port ${port} is not forwarded for ${workspace.name}.`);
    const job = this.#deps.jobs.enqueue(workspace.id, 'add_port', { port });
    if (workspace.state === 'running') await this.#await(job, `sharing port ${port} (${sharing})`);
    return changed;
  }

  /** `public` only where an admin allows public ports: the edge would not serve it otherwise. */
  #allowSharing(sharing: PortSharing): void {
    if (sharing === 'public' && !this.#deps.publicPorts)
      throw new ApiError(
        403,
        'public_ports_disabled',
        `Public ports are off on this Rockpool; share the port as authenticated, or ask an admin to set ${PUBLIC_PORTS_SETTING}=true.`,
        { field: 'sharing', setting: PUBLIC_PORTS_SETTING },
      );
  }

  async removePort(idOrName: string, port: number, viewer: Viewer): Promise<void> {
    const workspace = this.get(idOrName, viewer);
    if (!this.#deps.ports.list(workspace.id).some((p) => p.port === port))
      throw notFound(`Port ${port} is not forwarded for ${workspace.name}.`);
    const job = this.#deps.jobs.enqueue(workspace.id, 'remove_port', { port });
    if (workspace.state === 'running') await this.#await(job, `removing port ${port}`);
    else this.#deps.ports.remove(workspace.id, port);
  }

  health() {
    const beat = this.#deps.heartbeats.latest();
    const age = beat ? this.#deps.now() - beat.beatAt : undefined;
    const workerOk = age !== undefined && age < this.#deps.workerStaleMs;
    let databaseOk = true;
    try {
      this.#deps.workspaces.count();
    } catch {
      databaseOk = false;
    }
    return {
      status: workerOk && databaseOk ? ('ok' as const) : ('degraded' as const),
      server: { ok: true },
      database: { ok: databaseOk },
      worker: {
        ok: workerOk,
        ...(beat ? { runtime: beat.runtime, lastSeenMsAgo: age } : { message: 'no worker has reported yet' }),
      },
    };
  }

  /** Waits for a job the worker runs; its failure becomes the API's answer. */
  #await(job: Job, what: string): Promise<void> {
    return awaitJob(this.#deps.jobs, job, what, {
      timeoutMs: this.#deps.portJobTimeoutMs,
      now: this.#deps.now,
    });
  }
}
