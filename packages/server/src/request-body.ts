import { MAX_API_BODY_BYTES } from '@rockpool/model';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { ApiError } from './errors.js';

/** Methods whose requests change state, and so are checked for what their body is. */
export const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * JSON, in UTF-8: the only body the API reads. An HTML form can send only urlencoded, multipart or
 * text/plain bodies, and `fetch` from another origin cannot send this type without a CORS
 * preflight (which the API never grants), so requiring it closes cross-site form posts.
 */
const JSON_MEDIA_TYPE = /^application\/json\s*(;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;

export const isJsonMediaType = (contentType: string | undefined): boolean =>
  contentType !== undefined && JSON_MEDIA_TYPE.test(contentType);

/** Whether the request has a body: a length above zero, or a chunked one (length unknown). */
const hasBody = (c: Context): boolean =>
  Number(c.req.header('content-length') ?? 0) > 0 || c.req.header('transfer-encoding') !== undefined;

/**
 * 413 before any body past {@link MAX_API_BODY_BYTES} is read (the edge has the same limit). A
 * chunked body is read here, and a sender that goes away meanwhile (the edge cuts one off at the
 * limit) is its own 400, not an internal error.
 */
export function apiBodyLimit(): MiddlewareHandler {
  const limit = bodyLimit({
    maxSize: MAX_API_BODY_BYTES,
    onError: () => {
      throw new ApiError(
        413,
        'body_too_large',
        `The request body is larger than the API accepts (${MAX_API_BODY_BYTES / 1024} KiB).`,
      );
    },
  });
  return async (c, next) => {
    let reading = true;
    try {
      await limit(c, async () => {
        reading = false;
        await next();
      });
    } catch (error) {
      if (reading && !(error instanceof ApiError))
        throw new ApiError(400, 'body_incomplete', 'The request body ended before it was complete.');
      throw error;
    }
  };
}

/**
 * A state-changing route's check of its body's type, answered with 415 `unsupported_media_type`.
 * A route that takes a body needs `Content-Type: application/json`. A route that takes none
 * (`/start`, `/stop`, `DELETE`) accepts a request without a body and without a Content-Type (what
 * `curl -X POST` and `fetch` send), or one that declares JSON; any other Content-Type is refused
 * even with an empty body, since that is what a form sends.
 */
export function requireJsonMediaType(takesBody: boolean): MiddlewareHandler {
  return async (c, next) => {
    const type = c.req.header('content-type');
    if (!isJsonMediaType(type) && (takesBody || type !== undefined || hasBody(c)))
      throw new ApiError(
        415,
        'unsupported_media_type',
        takesBody
          ? `This request takes a JSON body: send it with Content-Type: application/json (got ${type ? JSON.stringify(type) : 'none'}).`
          : `This request takes no body: send none, or JSON with Content-Type: application/json (got ${type ? JSON.stringify(type) : 'a body without one'}).`,
        { contentType: type ?? null },
      );
    await next();
  };
}
