import { z } from 'zod';
import { USER_ROLES } from '../users.js';

const part = z.object({ ok: z.boolean() });

export const HealthSchema = z
  .object({
    status: z.enum(['ok', 'degraded']),
    server: part,
    database: part,
    worker: part.extend({
      runtime: z.string().optional().meta({ description: 'The VM runtime the worker drives (qemu, tart)' }),
      lastSeenMsAgo: z.number().optional(),
      message: z.string().optional().meta({ description: 'Why the worker is not ok' }),
    }),
  })
  .meta({ id: 'Health' });
export type Health = z.infer<typeof HealthSchema>;

export const MeSchema = z.object({
  user: z.string().meta({ description: 'Who the edge says you are' }),
  role: z.enum(USER_ROLES).meta({ description: 'admin: every workspace and the users; member: your own' }),
});
export type Me = z.infer<typeof MeSchema>;
