import type { MatcherSet, Route } from '../config/types.js';
import { jsonErrorBody } from '../edge/json-error.js';

/*
 * Caddy matches routes on the decoded, cleaned path but forwards the raw one: `/api/x/..%2fhealth`
 * is matched as `/api/health`, and `/workspace/a/port/3002%2f..%2f3000/` as port 3002 while the
 * upstream may resolve it to another place. So a path whose cleaned form differs from what it says
 * is refused before any route sees it. `{http.request.orig_uri}` is the request target as the client
 * sent it; only its path part (before `?`) is checked, so queries may carry encoded slashes.
 */

/** An encoded slash or backslash, a raw backslash, or a dot segment (raw or encoded) in the path. */
const UNSAFE_PATH = String.raw`(?i)^[^?]*(%2f|%5c|\\|/(\.|%2e)(\.|%2e)?(/|\?|$))`;

/** The first route of both servers: 400 `invalid_path` for a path Caddy would clean into another. */
export function unsafePathRefusalRoute(): Route {
  return {
    match: [{ expression: `{http.request.orig_uri}.matches(r'${UNSAFE_PATH}')` }],
    handle: [
      {
        handler: 'static_response',
        status_code: 400,
        headers: { 'Content-Type': ['application/json'] },
        body: jsonErrorBody(
          'invalid_path',
          'The path has an encoded slash or backslash, or a "." or ".." segment: send the path it means instead.',
        ),
      },
    ],
    terminal: true,
  };
}

/**
 * Exactly `path` as sent (a query allowed): no decoding, no merged slashes, no dot segments. Two
 * matchers, ANDed, without CEL (see MatcherSet.expression): `path` on the cleaned path, and the raw
 * target starting with `path`. vars_regexp expands placeholders in the raw target first, but text
 * in braces cannot vanish from a path that also cleans to `path`, except inside a dot segment,
 * which unsafePathRefusalRoute has refused already.
 */
export function exactRawPath(path: string): MatcherSet {
  if (!/^\/[A-Za-z0-9/_-]*$/.test(path)) throw new RangeError(`not a plain path: ${JSON.stringify(path)}`);
  return { path: [path], vars_regexp: { '{http.request.orig_uri}': { pattern: `^${path}(\\?|$)` } } };
}
