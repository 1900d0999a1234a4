/** Where a workspace is in its life: the states the API reports and the actions move between. */
export const WORKSPACE_STATES = [
  'creating',
  'starting',
  'running',
  'stopping',
  'stopped',
  'deleting',
  'error',
] as const;
export type WorkspaceState = (typeof WORKSPACE_STATES)[number];

/** Where a transition stands, for progress views: queued, vm_starting, ide_starting, routing, ready... */
export const WORKSPACE_PHASES = [
  'queued',
  'vm_creating',
  'vm_starting',
  'ide_starting',
  'routing',
  'ready',
  'stopping',
  'stopped',
  'deleting',
  'failed',
] as const;
export type WorkspacePhase = (typeof WORKSPACE_PHASES)[number];

export const WORKSPACE_ACTIONS = ['start', 'stop', 'delete'] as const;
export type WorkspaceAction = (typeof WORKSPACE_ACTIONS)[number];

export interface Transition {
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
  return WORKSPACE_ACTIONS.filter((action) => TRANSITIONS[action].from.includes(state));
}

/** Why `action` cannot start from `state`, and what to do instead. */
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
