export {
  CaddyAdminClient,
  type CaddyAdminClientOptions,
  UNCHANGED,
  type Versioned,
} from './admin/admin-client.js';
export {
  type EdgeAccountsResult,
  withPasswordAccounts,
  writeEdgeAccounts,
} from './admin/basic-accounts.js';
export { type EdgeAdminsResult, writeEdgeAdmins } from './admin/edge-admins.js';
export { CaddyAdminError, CaddyConflictError, CaddyUnreachableError } from './admin/errors.js';
export { reloadKeepingWorkspaces, workspaceRoutesOf } from './admin/reload.js';
export {
  type AdminRequest,
  type AdminResponse,
  type AdminTransport,
  httpTransport,
} from './admin/transport.js';
export { WorkspaceRouteMissingError, WorkspaceRouter } from './admin/workspace-router.js';
export {
  ACCESS_LOGGER_NAMES,
  type AccessLoggingOptions,
  buildAccessLogging,
  serverAccessLogs,
} from './builders/access-logging.js';
export {
  BASIC_AUTH_CHECK_PATH,
  BASIC_AUTH_ID,
  BASIC_AUTH_TOKEN_HEADER,
  type BasicAccountInput,
  buildBasicAuthCheck,
  CLIENT_IP_HEADER,
  DEFAULT_BCRYPT_COST,
  hashPassword,
  verifyPassword,
} from './builders/basic-auth.js';
export {
  type BootstrapOptions,
  buildBootstrapConfig,
  CONTROL_PLANE_SERVER,
  WORKSPACE_SERVER,
  WORKSPACES_CONTAINER_ID,
  WORKSPACES_ORIGIN_HEADER,
} from './builders/bootstrap.js';
export type { DashboardDevServer } from './builders/control-plane-routes.js';
export {
  buildPasswordAuth,
  type EdgeAuth,
  type PasswordAuthOptions,
  SESSION_COOKIE,
  USER_HEADER,
} from './builders/edge-auth.js';
export { ADMIN_ROLE, adminsOf, ROLE_TABLE_ID, roleEntries } from './builders/edge-roles.js';
export {
  GATE_ERROR_HEADER,
  GATE_PORT_HEADER,
  GATE_SECRET_HEADER,
  type ProxyTimings,
} from './builders/gate-proxy.js';
export {
  buildOAuthAuth,
  type OAuthOptions,
  type OAuthProvider,
} from './builders/oauth.js';
export {
  buildRateLimitHandler,
  type RateLimitPolicy,
  type RateLimitWindow,
  resolveRateLimits,
} from './builders/rate-limit.js';
export {
  DEFAULT_SESSION_LIFETIME_S,
  passwordSessionKey,
  SESSION_ROLE,
  type SessionClaims,
  sessionCheck,
  signSessionToken,
} from './builders/session.js';
export {
  assertEdgeIdentity,
  type PortRoute,
  type PortRouteOptions,
  type WorkspaceRouteOptions,
  workspaceEntry,
} from './builders/table-entries.js';
export { resolveRoutingMode, workspaceHostPatterns } from './builders/workspace-addressing.js';
export {
  ADMIN_ACCESS_LOG_FIELD,
  buildWorkspaceRouting,
  type WorkspaceRoutingOptions,
} from './builders/workspace-route.js';
export type { SyncResult, WorkspaceTable } from './builders/workspace-table.js';
export type * from './config/types.js';
export {
  ACCESS_MODES,
  type AccessMode,
  type AccessOptions,
  isAccessMode,
} from './edge/access.js';
export {
  type EdgeSecurityOptions,
  resolveEdgeSecurity,
} from './edge/edge-security.js';
export { EdgeConfigError } from './edge/errors.js';
export { ipRangeProblem, parseIpRanges } from './edge/ip-ranges.js';
export {
  TLS_ASK_PATH_PREFIX,
  type TlsAskOptions,
  tlsAskProblem,
  WORKSPACE_DOMAIN_HEADER,
} from './edge/on-demand-tls.js';
export { isTlsMode, TLS_MODES, type TlsModeName, type TlsOptions } from './edge/tls.js';
export {
  type CaddyProcess,
  CaddyStartError,
  type StartCaddyOptions,
  startCaddy,
} from './process/caddy-process.js';
export { CaddyInvalidConfigError, validateCaddyConfig } from './process/caddy-validate.js';
export { workspaceRouteId } from './route-ids.js';
export { readSessionSigningKey, SessionKeyMissingError } from './session-key.js';
