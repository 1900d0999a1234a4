export { type AppOptions, createApp } from './app.js';
export { dataDirEdgeUsers, type EdgeUsers } from './edge-users.js';
export { ApiError } from './errors.js';
export { openApiDocument } from './openapi.js';
export { type RunningServer, type ServerOptions, startServer } from './server.js';
export { type ServiceDeps, WorkspaceService, type WorkspaceWithPorts } from './service.js';
export { readLimits } from './settings.js';
export { dashboardContentSecurityPolicy } from './static-files.js';
