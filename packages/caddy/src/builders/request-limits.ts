import { MAX_API_BODY_BYTES } from '@rockpool/model';
import type { Route } from '../config/types.js';

/**
 * Bounds every API request body before the control plane sees it. A body that declares a larger
 * Content-Length is refused before it is forwarded; any other (chunked) body is cut off by
 * `request_body`: reading past the limit fails and Caddy answers 413. Either way the error route
 * writes the JSON `body_too_large`. The server has the same limit. Not terminal when the body may
 * be served: the proxy route after these serves the request.
 */
export function apiBodyLimitRoutes(maxBytes = MAX_API_BODY_BYTES): Route[] {
  const length = '{http.request.header.Content-Length}';
  return [
    {
      match: [{ path: ['/api/*'], expression: `${length} != '' && int(${length}) > ${maxBytes}` }],
      handle: [{ handler: 'error', status_code: 413, error: 'request body too large' }],
      terminal: true,
    },
    { match: [{ path: ['/api/*'] }], handle: [{ handler: 'request_body', max_size: maxBytes }] },
  ];
}
