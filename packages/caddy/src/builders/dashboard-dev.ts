import type { Route } from '../config/types.js';
import { USER_HEADER } from './edge-auth.js';

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

/** srv0's `/app/*` route in development: Vite's dev server, with the dashboard's CSP. */
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
