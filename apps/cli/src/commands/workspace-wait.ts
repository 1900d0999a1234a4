import { setTimeout as delay } from 'node:timers/promises';
import type { Workspace, WorkspaceState } from '@rockpool/model';
import { type ControlPlane, ControlPlaneError } from '../control-plane.js';

/** States a transition is under way in: `--wait` keeps asking until the workspace leaves them. */
const UNDER_WAY: readonly WorkspaceState[] = ['creating', 'starting', 'stopping', 'suspending', 'deleting'];

/** How often `--wait` asks: the worker's own transitions take seconds. */
const POLL_MS = 500;

/**
 * The workspace once no transition is under way (running, stopped, suspended, error), or `deleted`
 * once it is gone. Asks by id, so a new workspace taking the name is never mistaken for this one.
 */
export async function waitUntilSettled(
  api: ControlPlane,
  id: string,
  sleep: (ms: number) => Promise<unknown> = delay,
): Promise<Workspace | 'deleted'> {
  for (;;) {
    const current = await api
      .request<Workspace>('GET', `/api/workspaces/${encodeURIComponent(id)}`)
      .catch((error: unknown) => {
        if (error instanceof ControlPlaneError && error.status === 404) return 'deleted' as const;
        throw error;
      });
    if (current === 'deleted' || !UNDER_WAY.includes(current.state)) return current;
    await sleep(POLL_MS);
  }
}
