import { createRoute } from '@hono/zod-openapi';
import { WorkspaceEventSchema } from '@rockpool/model';
import { streamSSE } from 'hono/streaming';
import { WorkspaceEvents } from '../events.js';
import { presentWorkspace, workspaceOrigin } from '../present.js';
import { newRouter, serve } from '../request.js';
import type { WorkspaceService } from '../service.js';

const events = createRoute({
  method: 'get',
  path: '/events',
  summary: 'Server-sent events: a snapshot of all workspaces, then each change (workspace, removed)',
  responses: {
    200: {
      description: 'An event stream; each event is named by its type, its data is one of these',
      content: { 'text/event-stream': { schema: WorkspaceEventSchema } },
    },
  },
});

/** Live updates for the dashboard: a snapshot, then each change as it happens. */
export function eventRoutes(service: WorkspaceService, workspaceUrl: string, intervalMs?: number) {
  const router = newRouter();
  const changes = new WorkspaceEvents(service.workspaces, () => service.all(), intervalMs);
  serve(router, events, (c) => {
    const origin = workspaceOrigin(c, workspaceUrl);
    return streamSSE(c, async (stream) => {
      const unsubscribe = changes.subscribe((event) => {
        const data =
          event.type === 'snapshot'
            ? { type: event.type, workspaces: event.workspaces.map((w) => presentWorkspace(origin, w)) }
            : event.type === 'workspace'
              ? { type: event.type, workspace: presentWorkspace(origin, event.workspace) }
              : event;
        void stream.writeSSE({ event: event.type, data: JSON.stringify(data) });
      });
      const heartbeat = setInterval(() => void stream.writeSSE({ event: 'ping', data: '{}' }), 15_000);
      await new Promise<void>((resolve) => stream.onAbort(resolve));
      clearInterval(heartbeat);
      unsubscribe();
    });
  });
  return router;
}
