export {
  ideHost,
  ideUrl,
  parseWorkspaceHost,
  portHost,
  portUrl,
  portUrlTemplate,
  ROUTING_MODES,
  type RoutingMode,
  type WorkspaceAddressing,
  type WorkspaceHost,
  workspaceDomainProblem,
} from './addressing.js';
export {
  ACCESS_LOG_SERVERS,
  type AccessLogEntry,
  AccessLogEntrySchema,
  type AccessLogFilters,
  type AccessLogPage,
  AccessLogPageSchema,
  type AccessLogQuery,
  AccessLogQuerySchema,
  type AccessLogRecord,
  type AccessLogServer,
  MAX_ACCESS_LOG_LIMIT,
} from './api/access-logs.js';
export { type ErrorBody, ErrorBodySchema } from './api/error-body.js';
export { type WorkspaceEvent, WorkspaceEventSchema } from './api/events.js';
export { type Health, HealthSchema, type Me, MeSchema } from './api/health.js';
export { MAX_API_BODY_BYTES } from './api/request-body.js';
export {
  checkedField,
  queryParam,
  type RequestProblem,
  requestBody,
  requestProblem,
} from './api/request-fields.js';
export {
  type CreatedUser,
  CreatedUserSchema,
  type CreateUserBody,
  CreateUserBodySchema,
  type UpdateUserBody,
  UpdateUserBodySchema,
  type User,
  type UserList,
  UserListSchema,
  UserParamsSchema,
  UserSchema,
} from './api/users.js';
export {
  type CreateWorkspaceBody,
  type CreateWorkspaceInput,
  createWorkspaceBody,
  type Port,
  type PortBody,
  PortBodySchema,
  PortListSchema,
  PortParamsSchema,
  PortSchema,
  type PortUpdateBody,
  PortUpdateBodySchema,
  type ResourceLimits,
  type UpdateWorkspaceBody,
  UpdateWorkspaceBodySchema,
  type Workspace,
  WorkspaceListQuerySchema,
  type WorkspacePage,
  WorkspacePageSchema,
  WorkspaceParamsSchema,
  type WorkspaceRecord,
  WorkspaceRecordSchema,
  WorkspaceSchema,
} from './api/workspaces.js';
export {
  ADMIN_IDE_ACCESS_SETTING,
  ADMINS_SETTING,
  booleanSetting,
  listSetting,
  PUBLIC_PORTS_SETTING,
} from './edge-settings.js';
export {
  DEFAULT_IDLE_TIMEOUT_MINUTES,
  describeIdle,
  formatIdle,
  type IdleFacts,
  type IdleStatus,
  idleStatus,
  idleSuspendDue,
  lastActive,
  MAX_IDLE_TIMEOUT_MINUTES,
} from './idle.js';
export {
  assertPort,
  assertWorkspaceName,
  isWorkspaceName,
  MAX_PORTS_PER_WORKSPACE,
  MAX_WORKSPACE_NAME_LENGTH,
  portProblem,
  WORKSPACE_NAME_PATTERN,
  workspaceNameProblem,
} from './names.js';
export {
  DEFAULT_PORT_SHARING,
  isPortSharing,
  PORT_SHARING_LEVELS,
  type PortSharing,
} from './port-sharing.js';
export {
  isUserRole,
  MAX_PASSWORD_BYTES,
  MAX_USER_NAME_LENGTH,
  MIN_PASSWORD_LENGTH,
  passwordProblem,
  USER_NAME_PATTERN,
  USER_ROLES,
  type UserRole,
  userNameProblem,
} from './users.js';
export {
  allowedActions,
  BOOT_PATHS,
  type BootPath,
  TRANSITIONS,
  type Transition,
  WORKSPACE_ACTIONS,
  WORKSPACE_PHASES,
  WORKSPACE_STATES,
  type WorkspaceAction,
  type WorkspacePhase,
  type WorkspaceState,
  whyNot,
} from './workspace-state.js';
