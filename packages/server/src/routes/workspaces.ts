import { createRoute } from '@hono/zod-openapi';
import {
  createWorkspaceBody,
  type ResourceLimits,
  UpdateWorkspaceBodySchema,
  type WorkspaceAction,
  type WorkspaceAddressing,
  WorkspaceListQuerySchema,
  WorkspacePageSchema,
  WorkspaceParamsSchema,
  WorkspaceSchema,
} from '@rockpool/model';
import type { Context } from 'hono';
import { viewerOf } from '../auth/viewer.js';
import { presentWorkspace, workspaceAddressing } from '../present.js';
import { newRouter, serve } from '../request.js';
import type { WorkspaceService } from '../service.js';
import { error, json, jsonBody } from './responses.js';

const params = WorkspaceParamsSchema;

const list = createRoute({
  method: 'get',
  path: '/workspaces',
  summary: "List workspaces, ordered by name: a member's own, every one for an admin",
  request: { query: WorkspaceListQuerySchema },
  responses: {
    200: json(WorkspacePageSchema, 'A page of workspaces'),
    400: error('Invalid limit or cursor'),
  },
});

const create = (limits: ResourceLimits) =>
  createRoute({
    method: 'post',
    path: '/workspaces',
    summary: 'Create a workspace; it boots in the background (watch state and phase)',
    request: { body: jsonBody(createWorkspaceBody(limits)) },
    responses: {
      201: json(WorkspaceSchema, 'Created; state is creating'),
      400: error('Invalid name, cpus or memory'),
      409: error('The name is taken, by anyone (name_taken)'),
    },
  });

const get = createRoute({
  method: 'get',
  path: '/workspaces/{id}',
  summary: 'One workspace',
  request: { params },
  responses: {
    200: json(WorkspaceSchema, 'The workspace'),
    404: error("No such workspace, or another user's (a member sees their own only)"),
  },
});

const update = createRoute({
  method: 'patch',
  path: '/workspaces/{id}',
  summary:
    "Change a workspace's settings: its idle timeout (minutes without activity before it is suspended; 0 = never)",
  request: { params, body: jsonBody(UpdateWorkspaceBodySchema) },
  responses: {
    200: json(WorkspaceSchema, 'The workspace, changed'),
    400: error('Invalid or unknown field'),
    404: error("No such workspace, or another user's"),
  },
});

const action = (
  method: 'post' | 'delete',
  path: string,
  summary: string,
  accepted: string,
  conflict: string,
) =>
  createRoute({
    method,
    path,
    summary,
    request: { params },
    responses: {
      202: json(WorkspaceSchema, accepted),
      404: error("No such workspace, or another user's"),
      409: error(conflict),
    },
  });

const remove = action(
  'delete',
  '/workspaces/{id}',
  'Delete the workspace: its routes, VM and disk',
  'Deleting',
  'Already deleting',
);
const start = action(
  'post',
  '/workspaces/{id}/start',
  'Start a stopped workspace, resume a suspended one, or retry one in error',
  'Starting',
  'Not allowed in the current state',
);
const stop = action(
  'post',
  '/workspaces/{id}/stop',
  'Shut a running or suspended workspace down (its disk is kept; saved memory is not): the next start boots afresh, e.g. onto a new kernel or image',
  'Stopping',
  'Not allowed in the current state',
);
const suspend = action(
  'post',
  '/workspaces/{id}/suspend',
  'Suspend a running workspace: its memory is saved to disk and its VM ends, using no CPU or RAM; start resumes it with open editors, terminals and processes as they were (where the runtime cannot keep memory, notice says so and start boots afresh)',
  'Suspending',
  'Not allowed in the current state',
);

/** Workspaces: list, create, read, and the actions of the state machine. */
export function workspaceRoutes(
  service: WorkspaceService,
  limits: ResourceLimits,
  workspaces: WorkspaceAddressing,
) {
  const router = newRouter();
  serve(router, list, (c) => {
    const page = service.list(c.req.valid('query'), viewerOf(c));
    const addressing = workspaceAddressing(c, workspaces);
    return c.json(
      { items: page.items.map((w) => presentWorkspace(addressing, w)), nextCursor: page.nextCursor ?? null },
      200,
    );
  });
  serve(router, create(limits), (c) => {
    const workspace = service.create(c.req.valid('json'), viewerOf(c).name);
    c.header('Location', `/api/workspaces/${workspace.id}`);
    return c.json(presentWorkspace(workspaceAddressing(c, workspaces), workspace), 201);
  });
  serve(router, get, (c) =>
    c.json(
      presentWorkspace(workspaceAddressing(c, workspaces), service.get(c.req.valid('param').id, viewerOf(c))),
      200,
    ),
  );
  serve(router, update, (c) =>
    c.json(
      presentWorkspace(
        workspaceAddressing(c, workspaces),
        service.update(c.req.valid('param').id, c.req.valid('json'), viewerOf(c)),
      ),
      200,
    ),
  );
  const act = (c: Context, id: string, verb: WorkspaceAction) =>
    c.json(presentWorkspace(workspaceAddressing(c, workspaces), service.act(id, verb, viewerOf(c))), 202);
  serve(router, remove, (c) => act(c, c.req.valid('param').id, 'delete'));
  serve(router, start, (c) => act(c, c.req.valid('param').id, 'start'));
  serve(router, stop, (c) => act(c, c.req.valid('param').id, 'stop'));
  serve(router, suspend, (c) => act(c, c.req.valid('param').id, 'suspend'));
  return router;
}
