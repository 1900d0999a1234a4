import type { Handler, HeadersHandler, Route } from '../config/types.js';
import { jsonErrorBody } from '../edge/json-error.js';
import { CLIENT_IP_HEADER } from './basic-auth.js';
import { crossOriginRefusalRoute } from './cross-origin.js';
import { SESSION_COOKIE, USER_HEADER } from './edge-auth.js';
import { CLIENT_IP_KEY } from './rate-limit.js';

/**
 * `/app/*` goes to Vite instead of the control plane, behind the same authentication, rate limits
 * and cross-origin check. Caddy proxies Vite's HMR WebSocket as it is; the page gets this CSP (the
 * control plane sets it on the built dashboard).
 */
export interface DashboardDevServer {
  /** Vite's loopback `host:port`. */
  upstream: string;
  contentSecurityPolicy: string;
}

/**
 * caddy-security marks its cookie HttpOnly only together with Secure, so over plain HTTP a script
 * on the workspace port (same host: cookies are not port-scoped) could read the session from
 * `document.cookie`. The edge adds HttpOnly to the session cookie in every case.
 */
export function sessionCookieHttpOnly(): HeadersHandler {
  return {
    handler: 'headers',
    response: {
      replace: { 'Set-Cookie': [{ search_regexp: `^(${SESSION_COOKIE}=.*)$`, replace: '$1 HttpOnly;' }] },
      deferred: true,
    },
  };
}

export function notFound(message: string): Handler {
  return {
    handler: 'static_response',
    status_code: 404,
    headers: { 'Content-Type': ['application/json'] },
    body: jsonErrorBody('not_found', message),
  };
}

export function dashboardDevRoute(dev: DashboardDevServer): Route {
  return {
    match: [{ path: ['/app', '/app/*'] }],
    handle: [
      {
        handler: 'headers',
        response: {
          set: {
            'Content-Security-Policy': [dev.contentSecurityPolicy],
            'X-Content-Type-Options': ['nosniff'],
          },
        },
      },
      {
        handler: 'reverse_proxy',
        upstreams: [{ dial: dev.upstream }],
        headers: { request: { delete: ['Authorization', USER_HEADER] } },
      },
    ],
    terminal: true,
  };
}

/**
 * Password sign-in (`/auth/`, `/api/session`): served by the control plane without a session,
 * limited per client IP like everything on srv0 (the server keeps its own, much smaller budget of
 * failed sign-ins), refused when another origin caused it (login CSRF). The server learns the
 * client's address from {@link CLIENT_IP_HEADER}.
 */
export function passwordSignInRoute(
  upstream: string,
  limits: Handler,
  /** Headers the edge sets from its configuration (the workspaces' origin: where sign-in may return to). */
  configured: Record<string, string[]> = {},
): Route {
  return {
    '@id': 'rockpool-sign-in',
    match: [{ path: ['/auth', '/auth/*', '/api/session'] }],
    handle: [
      limits,
      { handler: 'subroute', routes: [crossOriginRefusalRoute()] },
      {
        handler: 'reverse_proxy',
        upstreams: [{ dial: upstream }],
        headers: {
          request: {
            set: { [CLIENT_IP_HEADER]: [CLIENT_IP_KEY], ...configured },
            delete: ['Authorization', USER_HEADER],
          },
        },
      },
    ],
    terminal: true,
  };
}
