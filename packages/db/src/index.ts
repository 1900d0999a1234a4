export { type Db, openDatabase } from './database.js';
export { HeartbeatStore, type WorkerHeartbeat } from './heartbeats.js';
export { type Job, type JobKind, JobQueue, type JobState } from './jobs.js';
export { type AddPortResult, type ForwardedPort, MAX_PORTS_PER_WORKSPACE, PortStore } from './ports.js';
export {
  newWorkspaceId,
  type Page,
  type Workspace,
  type WorkspacePhase,
  type WorkspaceState,
  WorkspaceStore,
} from './workspaces.js';
