import { createRoute } from '@hono/zod-openapi';
import { type WorkspaceAddressing, WorkspaceEventSchema } from '@rockpool/model';
import { streamSSE } from 'hono/streaming';
import { canSee, viewerOf } from '../auth/viewer.js';
import { WorkspaceEvents } from '../events.js';
import { presentWorkspace, workspaceAddressing } from '../present.js';
import { newRouter, serve } from '../request.js';
import type { WorkspaceService, WorkspaceWithPorts } from '../service.js';

const events = createRoute({
  method: 'get',
  path: '/events',
  summary:
    "Server-sent events: a snapshot of the workspaces you see (a member's own, all for an admin), then each change (workspace, removed)",
  responses: {
    200: {
      description: 'An event stream; each event is named by its type, its data is one of these',
      content: { 'text/event-stream': { schema: WorkspaceEventSchema } },
    },
  },
});

/** Live updates for the dashboard: a snapshot, then each change as it happens. */
export function eventRoutes(service: WorkspaceService, workspaces: WorkspaceAddressing, intervalMs?: number) {
  const router = newRouter();
  const changes = new WorkspaceEvents(service.workspaces, () => service.all(), intervalMs);
  serve(router, events, (c) => {
    const addressing = workspaceAddressing(c, workspaces);
    const viewer = viewerOf(c);
    // The ids this subscriber was shown: a removal of anything else is not theirs to hear of.
    const shown = new Set<string>();
    const visible = (w: WorkspaceWithPorts) => canSee(viewer, w.owner);
    return streamSSE(c, async (stream) => {
      const unsubscribe = changes.subscribe((event) => {
        let data: unknown;
        if (event.type === 'snapshot') {
          const mine = event.workspaces.filter(visible);
          for (const w of mine) shown.add(w.id);
          data = { type: event.type, workspaces: mine.map((w) => presentWorkspace(addressing, w)) };
        } else if (event.type === 'workspace') {
          if (!visible(event.workspace)) return;
          shown.add(event.workspace.id);
          data = { type: event.type, workspace: presentWorkspace(addressing, event.workspace) };
        } else {
          if (!shown.delete(event.id)) return;
          data = event;
        }
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
