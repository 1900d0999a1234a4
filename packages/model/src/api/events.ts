import { z } from 'zod';
import { WorkspaceSchema } from './workspaces.js';

/** What `GET /api/events` pushes: a snapshot of every workspace, then each change. */
export const WorkspaceEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('snapshot'), workspaces: z.array(WorkspaceSchema) }),
  z.object({ type: z.literal('workspace'), workspace: WorkspaceSchema }),
  z.object({ type: z.literal('removed'), id: z.string() }),
]);
export type WorkspaceEvent = z.infer<typeof WorkspaceEventSchema>;
