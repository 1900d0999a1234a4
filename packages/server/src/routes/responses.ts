import { ErrorBodySchema } from '@rockpool/model';
import type { z } from 'zod';

/** A documented JSON response. */
export const json = <Schema extends z.ZodType>(schema: Schema, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

/** A documented error response: always `{error: {code, message, ...}}`. */
export const error = (description: string) => json(ErrorBodySchema, description);

/** A required JSON request body. */
export const jsonBody = <Schema extends z.ZodType>(schema: Schema) => ({
  required: true,
  content: { 'application/json': { schema } },
});
