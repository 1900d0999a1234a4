// The headers the gate reads, and the ones it must not pass on.

/** The per-workspace secret; only the edge (Caddy) sends it. Never forwarded. */
export const SECRET_HEADER = 'x-rockpool-gate';
/** A guest port to forward to instead of code-server. Never forwarded. */
export const PORT_HEADER = 'x-rockpool-port';
/**
 * Asks the gate how long the workspace has been idle instead of proxying (the worker's poll). Only
 * honoured on a request that did not come through the edge: the edge always sets X-Forwarded-Prefix.
 */
export const ACTIVITY_HEADER = 'x-rockpool-activity';
/** The edge sets it on every request it proxies (the prefix it stripped); the worker's probes do not. */
export const EDGE_HEADER = 'x-forwarded-prefix';
/** Browsers say what a request is for: `navigate` for a page opened, `cors`/`no-cors`/`same-origin` for scripts' fetches. */
export const FETCH_MODE_HEADER = 'sec-fetch-mode';
/** The WebSocket extensions a browser offers; not passed to code-server (see gate.mjs). */
export const WEBSOCKET_EXTENSIONS_HEADER = 'sec-websocket-extensions';
/** On the gate's own 502 (nothing listens upstream), so the edge can tell it from an app's 502. */
export const GATE_ERROR_HEADER = 'x-rockpool-gate-error';
// Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection and are not forwarded.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Values of one header (lower-case name) in Node's raw headers (`[name, value, name, value...]`). */
export function headerValues(/** @type {string[]} */ raw, /** @type {string} */ name) {
  const values = [];
  for (let i = 0; i < raw.length; i += 2) if (raw[i]?.toLowerCase() === name) values.push(String(raw[i + 1]));
  return values;
}

/**
 * Raw headers to pass on: never the gate's own; the hop-by-hop ones (and those that `Connection`
 * names) only for an upgrade, where they are the request. Order and case are kept.
 */
export function forwardedHeaders(/** @type {string[]} */ raw, upgrade = false) {
  const named = new Set(
    headerValues(raw, 'connection').flatMap((value) =>
      value.split(',').map((token) => token.trim().toLowerCase()),
    ),
  );
  /** @type {string[]} */
  const out = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = String(raw[i]);
    const lower = name.toLowerCase();
    if (lower === SECRET_HEADER || lower === PORT_HEADER) continue;
    if (!upgrade && (HOP_BY_HOP.has(lower) || named.has(lower))) continue;
    out.push(name, String(raw[i + 1]));
  }
  return out;
}

/** An X-Rockpool-Port value as a port number, or undefined if it is not one (1-65535, no padding). */
export function parsePort(/** @type {string} */ text) {
  if (!/^[1-9]\d{0,4}$/.test(text)) return undefined;
  const port = Number(text);
  return port <= 65535 ? port : undefined;
}
