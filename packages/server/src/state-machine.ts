import type { WorkspacePhase, WorkspaceState } from '@rockpool/db';

export type WorkspaceAction = 'start' | 'stop' | 'delete';

interface Transition {
  from: readonly WorkspaceState[];
  to: WorkspaceState;
  phase: WorkspacePhase;
}

/**
 * What each user action may start from. `creating`, `starting` and `stopping` are in flight: the
 * user waits for them (or deletes). `error` allows every action, start being the retry.
 */
export const TRANSITIONS: Record<WorkspaceAction, Transition> = {
  start: { from: ['stopped', 'error'], to: 'starting', phase: 'queued' },
  stop: { from: ['running', 'error'], to: 'stopping', phase: 'stopping' },
  delete: {
    from: ['creating', 'starting', 'running', 'stopping', 'stopped', 'error'],
    to: 'deleting',
    phase: 'deleting',
  },
};

export function allowedActions(state: WorkspaceState): WorkspaceAction[] {
  return (Object.keys(TRANSITIONS) as WorkspaceAction[]).filter((action) =>
    TRANSITIONS[action].from.includes(state),
  );
}

export function whyNot(action: WorkspaceAction, state: WorkspaceState): string {
  const allowed = TRANSITIONS[action].from.join(', ');
  const hint =
    state === 'creating' || state === 'starting' || state === 'stopping'
      ? ' Wait for it to finish.'
      : state === 'deleting'
        ? ' It is being deleted.'
        : '';
  return `Cannot ${action} a workspace that is ${state}; ${action} works from: ${allowed}.${hint}`;
}
