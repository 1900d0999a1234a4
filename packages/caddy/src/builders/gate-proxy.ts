import type { CaddyDuration, HeaderOps, ReverseProxyHandler } from '../config/types.js';
import { SESSION_COOKIE, USER_HEADER } from './edge-auth.js';

/*
 * The gate (packages/guest) is the only service of a VM open to the outside: it forwards a request
 * only with the workspace's secret in X-Rockpool-Gate, to code-server, or with X-Rockpool-Port to
 * that guest port. Both headers are SET here, replacing whatever a client sent; the IDE proxy
 * deletes a client's X-Rockpool-Port, so only a registered port is ever reached.
 */

/** The header that carries the workspace's secret to its gate. */
export const GATE_SECRET_HEADER = 'X-Rockpool-Gate';
/** The header that tells the gate which guest port a request is for (none: code-server). */
export const GATE_PORT_HEADER = 'X-Rockpool-Port';
/** The gate sets it on its own 502 (nothing listens upstream), never on an app's. */
export const GATE_ERROR_HEADER = 'X-Rockpool-Gate-Error';

/** Placeholders the routing's lookup tables fill (see buildWorkspaceRouting). */
export const GATE_UPSTREAM = 'rockpool.gate_upstream';
export const GATE_SECRET = 'rockpool.gate_secret';

export interface ProxyTimings {
  /** Upgraded streams (WebSockets) are closed after this long. Default 24h. */
  streamTimeout?: CaddyDuration;
  /**
   * How long an upgraded stream proxied by an old config stays open after a config change. Caddy
   * rebuilds every handler on every change and closes the old handlers' streams after this delay;
   * Rockpool changes the tables at run time, so the default equals the stream timeout: a workspace
   * change never cuts an open IDE or app WebSocket. See the README ("WebSockets and route changes").
   */
  streamCloseDelay?: CaddyDuration;
}

const DEFAULT_STREAM_TIMEOUT = '24h';
/**
 * The session cookie wherever it sits in a Cookie header, with the separator that would be left
 * over: at the start (one or more, with the `; ` after them) or after another cookie (with the
 * `;` before it). `a=1; access_token=x; b=2` becomes `a=1; b=2`, not `a=1;; b=2`.
 */
const SESSION_COOKIE_PAIR = `^(?:\\s*${SESSION_COOKIE}=[^;]*(?:;\\s*|$))+|;\\s*${SESSION_COOKIE}=[^;]*`;

/**
 * Credentials meant for Rockpool's edge must not reach code-server or, worse, an arbitrary app on a
 * forwarded port (untrusted code runs in the VM): the edge strips the Authorization headers and the
 * OAuth session cookie, keeps the workspace's own cookies, and says which prefix it removed. A
 * client-sent identity header is dropped too: nothing upstream may take it for the edge's word.
 * Without a prefix (subdomain mode) a client's X-Forwarded-Prefix is dropped as well.
 */
function upstreamHeaders(prefix: string | undefined, port: string | undefined): HeaderOps {
  return {
    set: {
      ...(prefix ? { 'X-Forwarded-Prefix': [prefix] } : {}),
      [GATE_SECRET_HEADER]: [`{${GATE_SECRET}}`],
      ...(port ? { [GATE_PORT_HEADER]: [port] } : {}),
    },
    delete: [
      'Authorization',
      'Proxy-Authorization',
      USER_HEADER,
      ...(port ? [] : [GATE_PORT_HEADER]),
      ...(prefix ? [] : ['X-Forwarded-Prefix']),
    ],
    replace: { Cookie: [{ search_regexp: SESSION_COOKIE_PAIR, replace: '' }] },
  };
}

/**
 * The gate answers 502 itself when nothing listens behind it (no app on the port, code-server
 * down): a response, not a failed dial, so Caddy's error routes would not see it. Raising it as an
 * error shows the same page as an unreachable gate. An app's own 502 has no gate header and passes.
 */
const GATE_BAD_GATEWAY: ReverseProxyHandler['handle_response'] = [
  {
    match: { status_code: [502], headers: { [GATE_ERROR_HEADER]: ['upstream_unreachable'] } },
    routes: [{ handle: [{ handler: 'error', status_code: 502, error: 'the gate found nothing listening' }] }],
  },
];

/**
 * The proxy to the workspace's gate, for code-server (`port` undefined) or a registered port;
 * `prefix` is the path prefix the edge stripped (path mode), undefined when it stripped none.
 * No `flush_interval`: Caddy already flushes at once for server-sent events, responses of unknown
 * length and bidirectional streams; buffering the rest is what keeps throughput near a bare hop.
 */
export function gateProxy(
  prefix: string | undefined,
  port: string | undefined,
  timings: ProxyTimings,
): ReverseProxyHandler {
  const streamTimeout = timings.streamTimeout ?? DEFAULT_STREAM_TIMEOUT;
  return {
    handler: 'reverse_proxy',
    upstreams: [{ dial: `{${GATE_UPSTREAM}}` }],
    stream_timeout: streamTimeout,
    stream_close_delay: timings.streamCloseDelay ?? streamTimeout,
    headers: { request: upstreamHeaders(prefix, port) },
    handle_response: GATE_BAD_GATEWAY,
  };
}
