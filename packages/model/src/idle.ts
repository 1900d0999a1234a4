import type { WorkspaceState } from './workspace-state.js';

/*
 * Idle suspend. A workspace is *active* when its owner uses it through the edge: an HTTP request
 * to its IDE or one of its ports, or a WebSocket message from the browser that is not connection
 * upkeep (VS Code's keep-alives, acknowledgements and latency pings). The guest's gate sees all of
 * it and reports how long ago the last activity was; the worker turns that into `activeAt`. A
 * workspace that has been running without activity for its idle timeout is suspended.
 */

/** The idle timeout a workspace gets unless told otherwise. */
export const DEFAULT_IDLE_TIMEOUT_MINUTES = 60;
/** The longest idle timeout: a week. 0 means never. */
export const MAX_IDLE_TIMEOUT_MINUTES = 7 * 24 * 60;

export interface IdleFacts {
  state: WorkspaceState;
  /** Minutes; 0 = never suspend. */
  idleTimeoutMinutes: number;
  /** When it was last active (ISO), null if never measured. */
  activeAt: string | null;
}

export interface IdleStatus {
  /** How long it has been idle (ms); undefined when not running or not measured yet. */
  idleMs: number | undefined;
  /** How long until it suspends (ms, 0 = due now); undefined when it never will (timeout 0, not running). */
  suspendsInMs: number | undefined;
}

/** Where a workspace stands against its idle timeout at `now` (ms since the epoch). */
export function idleStatus(workspace: IdleFacts, now: number): IdleStatus {
  const activeAt = workspace.activeAt === null ? Number.NaN : Date.parse(workspace.activeAt);
  if (workspace.state !== 'running' || Number.isNaN(activeAt))
    return { idleMs: undefined, suspendsInMs: undefined };
  const idleMs = Math.max(0, now - activeAt);
  if (workspace.idleTimeoutMinutes === 0) return { idleMs, suspendsInMs: undefined };
  return { idleMs, suspendsInMs: Math.max(0, workspace.idleTimeoutMinutes * 60_000 - idleMs) };
}

/** Whether the workspace is due for an idle suspend at `now`. */
export function idleSuspendDue(workspace: IdleFacts, now: number): boolean {
  return idleStatus(workspace, now).suspendsInMs === 0;
}

/**
 * When the workspace was last active: the later of what is stored and what its gate reports
 * (`gateIdleMs` ago). The gate counts from its own start when it has seen nothing, and a resume
 * (stored as activity by the worker) is never undone by a gate that slept through the suspend.
 */
export function lastActive(storedActiveAt: string | null, gateIdleMs: number, now: number): number {
  const stored = storedActiveAt === null ? Number.NEGATIVE_INFINITY : Date.parse(storedActiveAt);
  return Math.max(stored, now - gateIdleMs);
}

/** "12 min", "2 h 5 min", "45 s": a duration for people. */
export function formatIdle(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const rest = minutes % 60;
  return `${Math.floor(minutes / 60)} h${rest ? ` ${rest} min` : ''}`;
}

/** "idle for 12 min, suspends in 48 min" (or "…, never suspends"); undefined when it does not apply. */
export function describeIdle(workspace: IdleFacts, now: number): string | undefined {
  const { idleMs, suspendsInMs } = idleStatus(workspace, now);
  if (idleMs === undefined) return undefined;
  const tail = suspendsInMs === undefined ? 'never suspends' : `suspends in ${formatIdle(suspendsInMs)}`;
  return `idle for ${formatIdle(idleMs)}, ${tail}`;
}
