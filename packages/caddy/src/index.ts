export {
  CaddyAdminClient,
  type CaddyAdminClientOptions,
  etagPath,
  UNCHANGED,
  type Versioned,
} from './admin/admin-client.js';
export { CaddyAdminError, CaddyConflictError, CaddyUnreachableError } from './admin/errors.js';
export {
  type AdminRequest,
  type AdminResponse,
  type AdminTransport,
  httpTransport,
  parseAdminEndpoint,
} from './admin/transport.js';
export { type SyncResult, WorkspaceRouteMissingError, WorkspaceRouter } from './admin/workspace-router.js';
export {
  ACCESS_LOG_NAME,
  ACCESS_LOGGER_NAMES,
  type AccessLoggingOptions,
  buildAccessLogging,
  serverAccessLogs,
} from './builders/access-logging.js';
export {
  type BasicAccountInput,
  type BasicAuthOptions,
  buildBasicAuthHandler,
  DEFAULT_BCRYPT_COST,
  hashPassword,
  verifyPassword,
} from './builders/basic-auth.js';
export {
  type BootstrapOptions,
  buildBootstrapConfig,
  CONTROL_PLANE_SERVER,
  crossOriginRefusalRoute,
  type EdgeAuth,
  USER_HEADER,
  WORKSPACE_SERVER,
  WORKSPACES_CONTAINER_ID,
} from './builders/bootstrap.js';
export {
  buildOAuthAuth,
  OAUTH_POLICY,
  OAUTH_PORTAL,
  type OAuthOptions,
  type OAuthProvider,
} from './builders/oauth.js';
export {
  buildRateLimitHandler,
  CLIENT_IP_KEY,
  DEFAULT_RATE_LIMITS,
  IDENTITY_KEY,
  type RateLimitPolicy,
  type RateLimitWindow,
  resolveRateLimits,
} from './builders/rate-limit.js';
export {
  buildPortRoute,
  buildWorkspaceRoute,
  PORT_ROUTES_INDEX,
  type PortRouteOptions,
  type ProxyTimings,
  type WorkspaceRouteOptions,
} from './builders/workspace-route.js';
export type * from './config/types.js';
export {
  assertPort,
  assertWorkspaceName,
  isWorkspaceName,
  MAX_WORKSPACE_NAME_LENGTH,
  portPathPrefix,
  portProblem,
  portRouteId,
  workspaceNameProblem,
  workspacePathPrefix,
  workspaceRouteId,
} from './names.js';
export {
  type CaddyProcess,
  CaddyStartError,
  type StartCaddyOptions,
  startCaddy,
} from './process/caddy-process.js';
