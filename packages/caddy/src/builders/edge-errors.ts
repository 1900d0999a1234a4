import { MAX_API_BODY_BYTES } from '@rockpool/model';
import type { MatcherSet, Route } from '../config/types.js';
import { jsonErrorBody } from '../edge/json-error.js';

const JSON_HEADERS = { 'Content-Type': ['application/json'] };

/** An error with this status (`vars`, not CEL: see MatcherSet.expression). */
const errorStatus = (status: number): MatcherSet => ({
  vars: { '{http.error.status_code}': [String(status)] },
});

function errorRoute(status: number, body: string, contentType = JSON_HEADERS): Route {
  return {
    match: [errorStatus(status)],
    handle: [{ handler: 'static_response', status_code: status, headers: contentType, body }],
    terminal: true,
  };
}

/** Errors raised by the edge itself (auth, rate limits, unreachable upstreams) get bodies a user can act on. */
function commonErrorRoutes(): Route[] {
  return [
    errorRoute(401, jsonErrorBody('unauthorized', 'Sign in: this server needs valid credentials.')),
    errorRoute(
      429,
      jsonErrorBody(
        'rate_limited',
        'Too many requests; retry after {http.response.header.Retry-After} seconds.',
        { zone: '{http.rate_limit.exceeded.name}' },
      ),
    ),
  ];
}

function fallbackErrorRoute(): Route {
  return {
    handle: [
      {
        handler: 'static_response',
        status_code: '{http.error.status_code}',
        headers: JSON_HEADERS,
        body: jsonErrorBody('http_{http.error.status_code}', '{http.error.status_text}'),
      },
    ],
  };
}

export function controlPlaneErrorRoutes(): Route[] {
  return [
    ...commonErrorRoutes(),
    // From the request_body limit on /api/* (apiBodyLimitRoute).
    errorRoute(
      413,
      jsonErrorBody(
        'body_too_large',
        `The request body is larger than the API accepts (${MAX_API_BODY_BYTES / 1024} KiB).`,
      ),
    ),
    errorRoute(
      502,
      jsonErrorBody('control_plane_unavailable', 'The Rockpool server is not answering; is it running?'),
    ),
    fallbackErrorRoute(),
  ];
}

const HTML_HEADERS = { 'Content-Type': ['text/html; charset=utf-8'] };

/** A small HTML page for a browser: `text` is HTML, in one paragraph (close and open `</p><p>` for more). */
export function htmlPage(title: string, text: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#1f2937}h1{font-size:1.4rem}</style>
</head><body><h1>${title}</h1><p>${text}</p></body></html>`;
}

/**
 * srv1's error pages. A 502 for a forwarded port says the app is not listening: in path mode the
 * original URI names the port, in subdomain mode the Host (`portHostPattern`).
 */
export function workspaceErrorRoutes(portHostPattern?: string): Route[] {
  return [
    ...commonErrorRoutes(),
    {
      // Error routes see the prefix-stripped path; the original URI says which route failed. (Which
      // of two pages to show is all that vars_regexp's expansion of the value could change.)
      match: [
        portHostPattern
          ? { ...errorStatus(502), header_regexp: { Host: { pattern: portHostPattern } } }
          : {
              ...errorStatus(502),
              vars_regexp: {
                '{http.request.orig_uri.path}': { pattern: '^/workspace/[a-z0-9-]+/port/[0-9]+(/|$)' },
              },
            },
      ],
      handle: [
        {
          handler: 'static_response',
          status_code: 502,
          headers: HTML_HEADERS,
          body: htmlPage(
            'The app is not listening yet',
            'This port is registered, but nothing inside the workspace is listening on it yet. Start your app on that port and reload this page.',
          ),
        },
      ],
      terminal: true,
    },
    {
      match: [errorStatus(502)],
      handle: [
        {
          handler: 'static_response',
          status_code: 502,
          headers: HTML_HEADERS,
          body: htmlPage(
            'The workspace is not answering',
            'Its IDE did not respond. It may be starting, stopping or stopped: check it in the Rockpool dashboard.',
          ),
        },
      ],
      terminal: true,
    },
    fallbackErrorRoute(),
  ];
}
