import { createRoute } from '@hono/zod-openapi';
import type { AccessLogStore } from '@rockpool/db';
import type { ResourceLimits, WorkspaceAddressing } from '@rockpool/model';
import type { MiddlewareHandler } from 'hono';
import { z } from 'zod';
import type { Sessions } from './auth/sessions.js';
import type { UserAdmin } from './auth/user-admin.js';
import { type RoleSource, resolveViewer } from './auth/viewer.js';
import type { EdgeUsers } from './edge-users.js';
import { ApiError } from './errors.js';
import { allowedMethods } from './method-not-allowed.js';
import { openApiDocument } from './openapi.js';
import { newRouter, type Router, serve } from './request.js';
import { apiBodyLimit, STATE_CHANGING } from './request-body.js';
import { eventRoutes } from './routes/events.js';
import { healthRoutes } from './routes/health.js';
import { logRoutes } from './routes/logs.js';
import { portRoutes } from './routes/ports.js';
import { sessionRoutes } from './routes/session.js';
import { signInPage } from './routes/sign-in-page.js';
import { userRoutes } from './routes/users.js';
import { workspaceRoutes } from './routes/workspaces.js';
import type { WorkspaceService } from './service.js';

export interface AppOptions {
  service: WorkspaceService;
  limits: ResourceLimits;
  /**
   * Where browsers reach the workspaces, in which routing mode: where IDE and app URLs start, unless
   * the edge says otherwise (see workspaceAddressing).
   */
  workspaces: WorkspaceAddressing;
  /** The control plane's host as browsers reach it: the session cookie's Domain is decided from it. */
  controlPlaneHost?: string;
  /** Serves the dashboard's files for /app/*. */
  spa?: (path: string) => Promise<Response>;
  /** How often the event stream looks for changes. */
  eventIntervalMs?: number;
  /** Users known to the edge and their client certificates (mtls-app); without it, only the caller. */
  edgeUsers?: EdgeUsers;
  /** Caddy's access logs; without it /api/logs is not served. */
  accessLogs?: AccessLogStore;
  /** Roles of the callers; without it everyone is a member. */
  roles?: RoleSource;
  /** Basic-auth users, managed by admins (Settings → Users); changes reach the edge through jobs. */
  userAdmin?: UserAdmin;
  /** Password sign-in (`/api/session`, the `/auth/` page); without it neither is served. */
  sessions?: Sessions;
}

const document = createRoute({
  method: 'get',
  path: '/api/openapi.json',
  summary: 'This document',
  responses: {
    200: {
      description: 'OpenAPI 3.1',
      content: { 'application/json': { schema: z.looseObject({ openapi: z.string() }) } },
    },
  },
});

/**
 * The REST API: one router per group of routes, each route defined once with its schemas, which
 * validate requests and generate the OpenAPI document. Handlers are Request -> Response;
 * `app.request()` runs it in tests without a socket.
 */
export function createApp(options: AppOptions): Router {
  const { service, workspaces } = options;
  const app = newRouter();
  let generated: ReturnType<typeof openApiDocument> | undefined;
  // Generated on first use, when every router is mounted.
  const documentOf = () => {
    generated ??= openApiDocument(app);
    return generated;
  };

  app.onError((error, c) => {
    if (error instanceof ApiError) return c.json(error.toJSON(), error.status);
    console.error('unhandled error', error);
    return c.json({ error: { code: 'internal', message: 'Internal error; see the server log.' } }, 500);
  });
  app.notFound((c) => {
    const { method, path } = c.req;
    const allow = allowedMethods(documentOf().paths, path);
    if (allow.length === 0)
      return c.json({ error: { code: 'not_found', message: `No route for ${method} ${path}.` } }, 404);
    c.header('Allow', allow.join(', '));
    const message = `${method} is not allowed on ${path}; it allows ${allow.join(', ')}.`;
    return c.json({ error: { code: 'method_not_allowed', message, allow } }, 405);
  });

  // Defence in depth behind the edge's own check: a browser page on another origin (a workspace
  // port is same-site) must not change state with the user's ambient credentials.
  const refuseCrossOrigin: MiddlewareHandler = async (c, next) => {
    if (STATE_CHANGING.has(c.req.method)) {
      const site = c.req.header('sec-fetch-site');
      const origin = c.req.header('origin');
      const host = c.req.header('x-forwarded-host') ?? c.req.header('host');
      const proto = c.req.header('x-forwarded-proto') ?? 'http';
      if (
        site === 'same-site' ||
        site === 'cross-site' ||
        (origin !== undefined && origin !== `${proto}://${host}`)
      )
        throw new ApiError(
          403,
          'cross_origin_request',
          'State-changing requests must come from the Rockpool dashboard origin.',
        );
    }
    await next();
  };
  app.use('/api/*', refuseCrossOrigin);
  // The sign-in form too: another site must not sign a browser in as someone else (login CSRF).
  app.use('/auth/*', refuseCrossOrigin);
  app.use('/api/*', apiBodyLimit());
  app.use('/auth/*', apiBodyLimit());

  // Who is asking, for every route below: ownership and admin checks read it.
  app.use('/api/*', resolveViewer(options.roles ?? { roleOf: () => 'member' }));
  app.route('/api', healthRoutes(service));
  serve(app, document, (c) => c.json(documentOf(), 200));
  app.route('/api', eventRoutes(service, workspaces, options.eventIntervalMs));
  app.route('/api', workspaceRoutes(service, options.limits, workspaces));
  app.route('/api', portRoutes(service, workspaces));
  app.route('/api', userRoutes(options.edgeUsers, options.userAdmin));
  if (options.sessions) {
    const site = {
      workspaces,
      ...(options.controlPlaneHost ? { controlPlaneHost: options.controlPlaneHost } : {}),
    };
    app.route('/api', sessionRoutes(options.sessions, site));
    app.route('/', signInPage(options.sessions, site));
  }
  if (options.accessLogs) app.route('/api', logRoutes(options.accessLogs));

  const spa = options.spa;
  if (spa) {
    app.get('/app', (c) => c.redirect('/app/', 308));
    app.get('/app/*', (c) => spa(c.req.path));
  }
  return app;
}
