export {
  type AccessLogEntry,
  type AccessLogFilter,
  type AccessLogRetention,
  AccessLogStore,
  DEFAULT_ACCESS_LOG_RETENTION,
  type StoredAccessLogEntry,
} from './access-logs.js';
export { type Db, openDatabase } from './database.js';
export { HeartbeatStore, type WorkerHeartbeat } from './heartbeats.js';
export { type Job, type JobKind, JobQueue, type JobState, USERS_JOB_SUBJECT } from './jobs.js';
export { type AddPortResult, type ForwardedPort, PortStore } from './ports.js';
export { type Stores, storesOf } from './stores.js';
export { type StoredUser, type UserChangeRefusal, UserStore } from './users.js';
export {
  newWorkspaceId,
  type Page,
  type Workspace,
  WorkspaceStore,
} from './workspaces.js';
