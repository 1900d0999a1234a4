import { OpenAPIHono, type RouteConfig, type RouteHandler } from '@hono/zod-openapi';
import { requestProblem } from '@rockpool/model';
import type { Context, MiddlewareHandler } from 'hono';
import type { BlankEnv } from 'hono/types';
import type { z } from 'zod';
import { type ApiError, badRequest } from './errors.js';

/** A zod validation failure as the API's own 400: the code, message and details the model's rule gives. */
export function invalidRequest(error: z.ZodError): ApiError {
  const problem = requestProblem(error.issues);
  return badRequest(problem.code, problem.message, problem.details);
}

/** Installed as every router's defaultHook: a failed check answers like every other API error. */
export function answerInvalidRequest(
  result: { success: true } | { success: false; error: z.ZodError },
): void {
  if (!result.success) throw invalidRequest(result.error);
}

export type Router = OpenAPIHono<BlankEnv>;

/** A router for one group of routes; createApp mounts each with `app.route('/api', ...)`. */
export function newRouter(): Router {
  return new OpenAPIHono<BlankEnv>({ defaultHook: answerInvalidRequest });
}

/** The request body as JSON, whatever its Content-Type (as the API has always read it). */
export async function readJson(c: Context): Promise<unknown> {
  try {
    return await c.req.json();
  } catch {
    throw badRequest('invalid_json', 'The request body is not valid JSON.');
  }
}

export function parseRequest<Schema extends z.ZodType>(schema: Schema, value: unknown): z.output<Schema> {
  const result = schema.safeParse(value);
  if (!result.success) throw invalidRequest(result.error);
  return result.data;
}

const jsonSchemaOf = (route: RouteConfig): z.ZodType | undefined => {
  const media = route.request?.body?.content?.['application/json'];
  return media && 'schema' in media ? (media.schema as z.ZodType) : undefined;
};

/**
 * Serves and documents `route`. Its JSON body is read whatever the Content-Type and checked by the
 * route's schema before the handler (zod-openapi would refuse a missing or other Content-Type with 415,
 * which API clients never had to send), unless `checkBodyInHandler`: then the handler checks it with
 * `parseRequest` after what must be refused first.
 */
export function serve<R extends RouteConfig>(
  router: Router,
  route: R,
  handler: RouteHandler<R, BlankEnv>,
  options: { checkBodyInHandler?: boolean } = {},
): void {
  const schema = jsonSchemaOf(route);
  if (!schema) {
    router.openapi(route, handler);
    return;
  }
  router.openAPIRegistry.registerPath(route);
  const { body: _documented, ...request } = route.request ?? {};
  const checkBody: MiddlewareHandler = async (c, next) => {
    c.req.addValidatedData('json', parseRequest(schema, await readJson(c)) as object);
    await next();
  };
  router.openapi(
    { ...route, request, hide: true, middleware: options.checkBodyInHandler ? [] : [checkBody] } as R,
    handler,
  );
}
