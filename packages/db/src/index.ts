export {
  type AccessLogEntry,
  type AccessLogFilter,
  type AccessLogRetention,
  type AccessLogServer,
  AccessLogStore,
  DEFAULT_ACCESS_LOG_RETENTION,
  type StoredAccessLogEntry,
} from './access-logs.js';
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
