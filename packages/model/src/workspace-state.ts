/** Where a workspace is in its life: the states the API reports and the actions move between. */
export const WORKSPACE_STATES = [
  'creating',
  'starting',
  'running',
  'stopping',
  'stopped',
  'suspending',
  'suspended',
  'deleting',
  'error',
] as const;
export type WorkspaceState = (typeof WORKSPACE_STATES)[number];

/** Where a transition stands, for progress views: queued, vm_starting, ide_starting, routing, ready... */
export const WORKSPACE_PHASES = [
  'queued',
  'vm_creating',
  'vm_starting',
  'vm_resuming',
  'ide_starting',
  'routing',
  'ready',
  'stopping',
  'stopped',
  'suspending',
  'suspended',
  'deleting',
  'failed',
] as const;
export type WorkspacePhase = (typeof WORKSPACE_PHASES)[number];

export const WORKSPACE_ACTIONS = ['start', 'suspend', 'stop', 'delete'] as const;
export type WorkspaceAction = (typeof WORKSPACE_ACTIONS)[number];

/** How a workspace's VM last came up: from the guest snapshot, from its own saved memory, or a cold boot. */
export const BOOT_PATHS = ['snapshot', 'resumed', 'cold'] as const;
export type BootPath = (typeof BOOT_PATHS)[number];

export interface Transition {
  from: readonly WorkspaceState[];
  to: WorkspaceState;
  phase: WorkspacePhase;
}

/** States a transition is under way in: the user waits for them (or deletes). */
const IN_FLIGHT: readonly WorkspaceState[] = ['creating', 'starting', 'stopping', 'suspending'];

/**
 * What each user action may start from. `error` allows start (the retry), stop and delete.
 * `suspend` keeps the VM's memory on disk and ends its process; `start` resumes a suspended
 * workspace, and `stop` of one is the full shutdown (its memory is thrown away, the next start
 * boots afresh: the way to pick up a new kernel or image).
 */
export const TRANSITIONS: Record<WorkspaceAction, Transition> = {
  start: { from: ['stopped', 'suspended', 'error'], to: 'starting', phase: 'queued' },
  suspend: { from: ['running'], to: 'suspending', phase: 'suspending' },
  stop: { from: ['running', 'suspended', 'error'], to: 'stopping', phase: 'stopping' },
  delete: {
    from: [...IN_FLIGHT, 'running', 'stopped', 'suspended', 'error'],
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
  const hint = IN_FLIGHT.includes(state)
    ? ' Wait for it to finish.'
    : state === 'deleting'
      ? ' It is being deleted.'
      : '';
  return `Cannot ${action} a workspace that is ${state}; ${action} works from: ${allowed}.${hint}`;
}
