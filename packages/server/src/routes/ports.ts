import { createRoute } from '@hono/zod-openapi';
import {
  MAX_PORTS_PER_WORKSPACE,
  PortBodySchema,
  PortListSchema,
  PortParamsSchema,
  PortSchema,
  PortUpdateBodySchema,
  PUBLIC_PORTS_SETTING,
  type WorkspaceAddressing,
  WorkspaceParamsSchema,
} from '@rockpool/model';
import { viewerOf } from '../auth/viewer.js';
import { presentPort, workspaceAddressing } from '../present.js';
import { newRouter, serve } from '../request.js';
import type { WorkspaceService } from '../service.js';
import { error, json, jsonBody } from './responses.js';

const list = createRoute({
  method: 'get',
  path: '/workspaces/{id}/ports',
  summary: 'Forwarded ports',
  request: { params: WorkspaceParamsSchema },
  responses: { 200: json(PortListSchema, 'Ports'), 404: error('No such workspace') },
});

const add = createRoute({
  method: 'post',
  path: '/workspaces/{id}/ports',
  summary: `Forward a guest port to /workspace/{name}/port/{port}/ (at most ${MAX_PORTS_PER_WORKSPACE}), shared with whom \`sharing\` says (default private); 502 until something listens`,
  request: { params: WorkspaceParamsSchema, body: jsonBody(PortBodySchema) },
  responses: {
    201: json(PortSchema, 'Forwarded'),
    400: error('Port outside 1-65535 (invalid_port), or an unknown sharing level (invalid_sharing)'),
    403: error(`public while public ports are off (public_ports_disabled; ${PUBLIC_PORTS_SETTING})`),
    404: error('No such workspace'),
    409: error('Already forwarded (port_exists), or one port too many (port_limit)'),
    502: error('The worker could not forward it (nothing was kept)'),
    504: error('The worker has not finished yet (worker_timeout)'),
  },
});

const update = createRoute({
  method: 'patch',
  path: '/workspaces/{id}/ports/{port}',
  summary:
    'Change who may reach a forwarded port: private (the owner), authenticated (anyone signed in), public',
  request: { params: PortParamsSchema, body: jsonBody(PortUpdateBodySchema) },
  responses: {
    200: json(PortSchema, 'Changed'),
    400: error('Not a port (invalid_port), or an unknown sharing level (invalid_sharing)'),
    403: error(`public while public ports are off (public_ports_disabled; ${PUBLIC_PORTS_SETTING})`),
    404: error('No such workspace, or the port is not forwarded'),
    502: error('The worker could not change the route'),
    504: error('The worker has not finished yet (worker_timeout)'),
  },
});

const remove = createRoute({
  method: 'delete',
  path: '/workspaces/{id}/ports/{port}',
  summary: 'Stop forwarding a port',
  request: { params: PortParamsSchema },
  responses: {
    204: { description: 'Removed' },
    400: error('Not a port (invalid_port)'),
    404: error('Not forwarded'),
    502: error('The worker could not remove it'),
    504: error('The worker has not finished yet (worker_timeout)'),
  },
});

/** A workspace's forwarded ports. */
export function portRoutes(service: WorkspaceService, workspaces: WorkspaceAddressing) {
  const router = newRouter();
  serve(router, list, (c) => {
    const workspace = service.get(c.req.valid('param').id, viewerOf(c));
    const addressing = workspaceAddressing(c, workspaces);
    return c.json({ items: workspace.ports.map((p) => presentPort(addressing, workspace.name, p)) }, 200);
  });
  serve(router, add, async (c) => {
    const { port, sharing } = c.req.valid('json');
    const viewer = viewerOf(c);
    const workspace = service.get(c.req.valid('param').id, viewer);
    const added = await service.addPort(workspace.id, port, viewer, sharing);
    return c.json(presentPort(workspaceAddressing(c, workspaces), workspace.name, added), 201);
  });
  serve(router, update, async (c) => {
    const { id, port } = c.req.valid('param');
    const viewer = viewerOf(c);
    const workspace = service.get(id, viewer);
    const changed = await service.setPortSharing(workspace.id, port, c.req.valid('json').sharing, viewer);
    return c.json(presentPort(workspaceAddressing(c, workspaces), workspace.name, changed), 200);
  });
  serve(router, remove, async (c) => {
    const { id, port } = c.req.valid('param');
    await service.removePort(id, port, viewerOf(c));
    return c.body(null, 204);
  });
  return router;
}
