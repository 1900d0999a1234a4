import type { WorkspaceStore } from '@rockpool/db';

export type WorkspaceEvent<T> =
  | { type: 'snapshot'; workspaces: T[] }
  | { type: 'workspace'; workspace: T }
  | { type: 'removed'; id: string };

type Listener<T> = (event: WorkspaceEvent<T>) => void;

/**
 * Pushes workspace changes to dashboards. The worker writes the database from another process, so
 * one poller (only while someone listens) compares a cheap fingerprint and, when it moves, sends
 * each subscriber just the workspaces that changed.
 */
export class WorkspaceEvents<T extends { id: string }> {
  readonly #listeners = new Set<Listener<T>>();
  #timer: NodeJS.Timeout | undefined;
  #fingerprint = '';
  #last = new Map<string, string>();

  constructor(
    private readonly workspaces: WorkspaceStore,
    private readonly load: () => T[],
    private readonly intervalMs = 250,
  ) {}

  subscribe(listener: Listener<T>): () => void {
    if (this.#listeners.size === 0) this.#start();
    this.#listeners.add(listener);
    listener({ type: 'snapshot', workspaces: this.load() });
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) this.#stop();
    };
  }

  #start(): void {
    this.#fingerprint = this.workspaces.fingerprint();
    this.#last = new Map(this.load().map((w) => [w.id, JSON.stringify(w)]));
    this.#timer = setInterval(() => {
      try {
        this.#poll();
      } catch (error) {
        // The database went away (shutdown): stop; subscribers reconnect to a new server.
        console.error(`event stream stopped: ${(error as Error).message}`);
        this.#stop();
      }
    }, this.intervalMs);
  }

  #stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #poll(): void {
    const fingerprint = this.workspaces.fingerprint();
    if (fingerprint === this.#fingerprint) return;
    this.#fingerprint = fingerprint;
    const current = new Map(this.load().map((w) => [w.id, w]));
    const events: WorkspaceEvent<T>[] = [];
    for (const [id, workspace] of current) {
      const json = JSON.stringify(workspace);
      if (this.#last.get(id) !== json) events.push({ type: 'workspace', workspace });
      this.#last.set(id, json);
    }
    for (const id of [...this.#last.keys()])
      if (!current.has(id)) {
        this.#last.delete(id);
        events.push({ type: 'removed', id });
      }
    for (const event of events) for (const listener of this.#listeners) listener(event);
  }
}
