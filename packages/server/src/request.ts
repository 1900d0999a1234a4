import { OpenAPIHono, type RouteConfig, type RouteHandler } from '@hono/zod-openapi';
import { requestProblem } from '@rockpool/model';
import type { Context, MiddlewareHandler } from 'hono';
import type { BlankEnv } from 'hono/types';
import type { z } from 'zod';
import { type ApiError, badRequest } from './errors.js';
import { requireJsonMediaType, STATE_CHANGING } from './request-body.js';
import { error } from './routes/responses.js';

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

/** The request body as JSON (its Content-Type was checked before: see `serve`). */
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

/** What every state-changing route may answer before its handler runs. */
const bodyResponses = {
  413: error('The body is larger than the API accepts (body_too_large)'),
  415: error(
    'The body is not declared as JSON: Content-Type must be application/json (unsupported_media_type)',
  ),
};

/**
 * Serves and documents `route`. A state-changing route first checks its body's Content-Type
 * (`requireJsonMediaType`); a JSON body is then read and checked by the route's schema before the
 * handler, unless `checkBodyInHandler`: then the handler checks it with `parseRequest` after what
 * must be refused first. zod-openapi's own body validation is not used: its errors would not have
 * the API's shape.
 */
export function serve<R extends RouteConfig>(
  router: Router,
  route: R,
  handler: RouteHandler<R, BlankEnv>,
  options: { checkBodyInHandler?: boolean } = {},
): void {
  const schema = jsonSchemaOf(route);
  const changesState = STATE_CHANGING.has(route.method.toUpperCase());
  const checkBody: MiddlewareHandler = async (c, next) => {
    c.req.addValidatedData('json', parseRequest(schema as z.ZodType, await readJson(c)) as object);
    await next();
  };
  const middleware = [
    ...(changesState ? [requireJsonMediaType(schema !== undefined)] : []),
    ...(schema && !options.checkBodyInHandler ? [checkBody] : []),
  ];
  const documented = changesState ? { ...route, responses: { ...route.responses, ...bodyResponses } } : route;
  if (!schema) {
    router.openapi({ ...documented, middleware } as R, handler);
    return;
  }
  router.openAPIRegistry.registerPath(documented);
  const { body: _documented, ...request } = route.request ?? {};
  router.openapi({ ...route, request, hide: true, middleware } as R, handler);
}
