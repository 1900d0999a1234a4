import { BASIC_AUTH_CHECK_PATH, BASIC_AUTH_TOKEN_HEADER } from '@rockpool/caddy';
import { Hono } from 'hono';
import type { Sessions } from '../auth/sessions.js';
import { ApiError } from '../errors.js';
import { answerSignInError, clientIpOf } from './session.js';

/** What a client is asked for when its basic auth fails (as Caddy's own `http_basic` asked). */
const CHALLENGE = { 'WWW-Authenticate': 'Basic realm="Rockpool", charset="UTF-8"' };

/** The user and password of an `Authorization: Basic` header, or undefined when it is not one. */
export function parseBasicAuthorization(
  header: string | undefined,
): { username: string; password: string } | undefined {
  const match = /^Basic +([A-Za-z0-9+/]+=*) *$/.exec(header ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 1) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * `GET /internal/basic-auth`: the edge's check of basic auth on the control-plane server (a
 * forward-auth subrequest, see @rockpool/caddy's basic-auth.ts), counted against the client IP's
 * one failed-sign-in budget like the sign-in page. 204 with a short-lived token in
 * {@link BASIC_AUTH_TOKEN_HEADER}, 401, or 429 with Retry-After; the edge passes a refusal on to the
 * client as it is. Reached only from srv0's own subrequest (srv0 proxies only /api and /app, and
 * the server listens on a unix socket). Not part of the API: no OpenAPI. Nothing here is logged.
 */
export function basicAuthRoutes(sessions: Sessions): Hono {
  const router = new Hono();
  router.get(BASIC_AUTH_CHECK_PATH, async (c) => {
    const credentials = parseBasicAuthorization(c.req.header('authorization'));
    if (!credentials)
      return c.json(
        {
          error: {
            code: 'invalid_authorization',
            message: 'Basic auth needs `Authorization: Basic base64(user:password)`.',
          },
        },
        401,
        CHALLENGE,
      );
    try {
      const { token } = await sessions.basicAuth(credentials.username, credentials.password, clientIpOf(c));
      return c.body(null, 204, { [BASIC_AUTH_TOKEN_HEADER]: token, 'Cache-Control': 'no-store' });
    } catch (failure) {
      if (failure instanceof ApiError && failure.status === 401)
        return c.json(failure.toJSON(), 401, CHALLENGE);
      return answerSignInError(c, failure);
    }
  });
  return router;
}
