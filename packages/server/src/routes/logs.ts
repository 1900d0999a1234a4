import { createRoute } from '@hono/zod-openapi';
import type { AccessLogFilter, AccessLogStore } from '@rockpool/db';
import { AccessLogPageSchema, type AccessLogQuery, AccessLogQuerySchema } from '@rockpool/model';
import { viewerOf } from '../auth/viewer.js';
import { newRouter, serve } from '../request.js';
import { error, json } from './responses.js';

const list = createRoute({
  method: 'get',
  path: '/logs',
  summary:
    "Caddy's access logs (both servers), newest first, with filters: a member's own requests, everyone's for an admin",
  request: { query: AccessLogQuerySchema },
  responses: {
    200: json(AccessLogPageSchema, 'A page of entries'),
    400: error('A filter value is invalid (invalid_filter, naming the parameter)'),
  },
});

/** `path` ending in `*` is a prefix (`/api/*`), otherwise a substring; empty filters are none. */
export function accessLogFilter({ user, path, ...query }: AccessLogQuery): AccessLogFilter {
  return {
    ...query,
    ...(user ? { user } : {}),
    ...(path?.endsWith('*') ? { pathPrefix: path.slice(0, -1) } : path ? { pathContains: path } : {}),
  };
}

/** Caddy's access logs, as the control plane stored them. */
export function logRoutes(accessLogs: AccessLogStore) {
  const router = newRouter();
  serve(router, list, (c) => {
    const viewer = viewerOf(c);
    const filter = accessLogFilter(c.req.valid('query'));
    // A member sees their own requests only: asking for another user's finds nothing.
    if (viewer.role !== 'admin' && filter.user !== undefined && filter.user !== viewer.name)
      return c.json({ items: [], nextCursor: null }, 200);
    const page = accessLogs.query(viewer.role === 'admin' ? filter : { ...filter, user: viewer.name });
    return c.json(
      {
        items: page.items.map((entry) => ({ ...entry, time: new Date(entry.time).toISOString() })),
        nextCursor: page.nextCursor ?? null,
      },
      200,
    );
  });
  return router;
}
