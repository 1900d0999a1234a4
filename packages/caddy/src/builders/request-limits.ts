import { MAX_API_BODY_BYTES } from '@rockpool/model';
import type { Route } from '../config/types.js';

/**
 * Bounds every API request body: Caddy forwards at most `maxBytes` of it, and reading past that
 * fails and answers 413 (the error route writes the JSON `body_too_large`). The server has the
 * same limit and refuses a larger declared Content-Length before reading anything. Not terminal:
 * the proxy route after it serves the request.
 *
 * Why not refuse a declared length here before forwarding: Caddy then closed the connection with
 * the client's body unread, and a client still sending (no `Expect: 100-continue`) got a reset
 * instead of the 413; cut off by `request_body`, the 413 arrives before the connection closes.
 */
export function apiBodyLimitRoute(maxBytes = MAX_API_BODY_BYTES): Route {
  return { match: [{ path: ['/api/*'] }], handle: [{ handler: 'request_body', max_size: maxBytes }] };
}
