import { z } from 'zod';

/** Every error the API answers with: a stable code, a message a person can act on, and details. */
export const ErrorBodySchema = z
  .object({
    error: z.looseObject({
      code: z.string(),
      message: z.string(),
    }),
  })
  .meta({ id: 'Error' });
export type ErrorBody = z.infer<typeof ErrorBodySchema>;
