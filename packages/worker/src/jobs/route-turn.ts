import type { WorkspaceRouter } from '@rockpool/caddy';

/** The router's single-route writes, as the job runner and the health monitor use them. */
export type RouteWrites = Pick<
  WorkspaceRouter,
  'putWorkspace' | 'removeWorkspace' | 'putPort' | 'removePort'
>;

/**
 * Route writes run one at a time, and a sync holds the turn from its database snapshot to its
 * write: a job's write landing in between (a port added through the API) would otherwise be
 * undone by a sync computed before it.
 */
export class RouteTurn {
  #tail: Promise<unknown> = Promise.resolve();
  /** The router's single-route writes, each taking its turn. */
  readonly writes: RouteWrites;

  constructor(router: RouteWrites) {
    this.writes = {
      putWorkspace: (route) => this.take(() => router.putWorkspace(route)),
      removeWorkspace: (name) => this.take(() => router.removeWorkspace(name)),
      putPort: (route) => this.take(() => router.putPort(route)),
      removePort: (name, port) => this.take(() => router.removePort(name, port)),
    };
  }

  /** Runs `work` once every earlier turn has settled (failed ones included); later turns wait for it. */
  take<T>(work: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(work);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}
