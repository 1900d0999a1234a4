import { createRoute } from '@hono/zod-openapi';
import { HealthSchema, MeSchema } from '@rockpool/model';
import { viewerOf } from '../auth/viewer.js';
import { newRouter, serve } from '../request.js';
import type { WorkspaceService } from '../service.js';
import { json } from './responses.js';

const health = createRoute({
  method: 'get',
  path: '/health',
  summary: 'Health of the server, the database and the worker (no credentials needed)',
  responses: { 200: json(HealthSchema, 'All healthy'), 503: json(HealthSchema, 'Degraded') },
});

const me = createRoute({
  method: 'get',
  path: '/me',
  summary: 'Who the edge says you are, and your role',
  responses: { 200: json(MeSchema, 'The signed-in user') },
});

/** Health (for the edge's unauthenticated check) and the caller's identity. */
export function healthRoutes(service: WorkspaceService) {
  const router = newRouter();
  serve(router, health, (c) => {
    const report = service.health();
    return report.status === 'ok' ? c.json(report, 200) : c.json(report, 503);
  });
  serve(router, me, (c) => {
    const { name, role } = viewerOf(c);
    return c.json({ user: name, role }, 200);
  });
  return router;
}
