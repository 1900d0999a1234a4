import { z } from 'zod';

export const UserListSchema = z.object({
  items: z.array(z.object({ name: z.string() })),
  clientCertificates: z
    .boolean()
    .meta({ description: 'Whether client certificates can be issued (mtls-app)' }),
});
export type UserList = z.infer<typeof UserListSchema>;

export const UserParamsSchema = z.object({ name: z.string() });
