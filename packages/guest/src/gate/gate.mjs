// The gate's HTTP server: checks the secret on every request and WebSocket upgrade, then proxies.
import { createServer, request, STATUS_CODES } from 'node:http';
import { pipeline } from 'node:stream';
import { activityTracker, requestIsActivity } from './activity.mjs';
import {
  ACTIVITY_HEADER,
  EDGE_HEADER,
  FETCH_MODE_HEADER,
  forwardedHeaders,
  GATE_ERROR_HEADER,
  headerValues,
  PORT_HEADER,
  parsePort,
  SECRET_HEADER,
  WEBSOCKET_EXTENSIONS_HEADER,
} from './headers.mjs';
import { secretStore } from './secret-store.mjs';
import { describeUpstream, dial } from './upstream.mjs';

/** @typedef {import('./upstream.mjs').Upstream} Upstream */
/**
 * @typedef {object} GateOptions
 * @property {string} secretFile File holding the secret (surrounding whitespace ignored).
 * @property {Upstream} codeServer Where requests without X-Rockpool-Port go.
 * @property {(port: number) => Upstream} [guestPort] Where `X-Rockpool-Port: N` goes; default
 *   127.0.0.1:N, the guest's loopback. Tests on the host map ports to servers of their own.
 * @property {number} [secretMaxAgeMs] How long a read secret is trusted before the file is read again.
 * @property {(line: string) => void} [log] Hears state changes (never the secret).
 * @property {() => number} [clock] A monotonic clock in ms for idle times; default performance.now.
 */
/** @typedef {{ status: number, body: string, headers?: Record<string, string> }} Answer */
/** @typedef {Answer | { upstream: Upstream, to: 'code-server' | 'port', fromEdge: boolean }} Decision */

/** Refusals carry no body and name nothing: a caller without the secret learns nothing. */
const REFUSALS = /** @type {const} */ ({ refused: 403, not_installed: 503 });

/**
 * Where a request goes: a status to answer with (the worker's activity query among them), or the
 * upstream to forward to.
 * @param {string[]} rawHeaders
 * @param {ReturnType<typeof secretStore>} secrets
 * @param {ReturnType<typeof activityTracker>} activity
 * @param {Pick<GateOptions, 'codeServer' | 'guestPort'>} routes
 * @returns {Promise<Decision>}
 */
async function decide(rawHeaders, secrets, activity, { codeServer, guestPort = onLoopback }) {
  const presented = headerValues(rawHeaders, SECRET_HEADER);
  const verdict = await secrets.check(presented.length === 1 ? presented[0] : undefined);
  if (verdict !== 'ok') return { status: REFUSALS[verdict], body: '' };
  const fromEdge = headerValues(rawHeaders, EDGE_HEADER).length > 0;
  if (!fromEdge && headerValues(rawHeaders, ACTIVITY_HEADER).length > 0)
    return {
      status: 200,
      body: `${JSON.stringify({ idleMs: activity.idleMs() })}\n`,
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    };
  const ports = headerValues(rawHeaders, PORT_HEADER);
  if (ports.length === 0) return { upstream: codeServer, to: 'code-server', fromEdge };
  const port = ports.length === 1 ? parsePort(String(ports[0]).trim()) : undefined;
  if (port === undefined) {
    const got = JSON.stringify(ports.join(', '));
    return { status: 400, body: `${PORT_HEADER} must be one port number (1-65535), got ${got}\n` };
  }
  return { upstream: guestPort(port), to: 'port', fromEdge };
}

/** @returns {Upstream} */
const onLoopback = (/** @type {number} */ port) => ({ host: '127.0.0.1', port });

/**
 * The gate's own 502 says so in a header: the edge shows its "not listening yet" page for it, and
 * passes an app's own 502 through unchanged.
 * @returns {Answer}
 */
const badGateway = (/** @type {Upstream} */ upstream) => ({
  status: 502,
  body: `nothing answers on ${describeUpstream(upstream)}\n`,
  headers: { [GATE_ERROR_HEADER]: 'upstream_unreachable' },
});

/**
 * An HTTP server that proxies only requests carrying the secret, without buffering: server-sent
 * events and chunked bodies stream through as they come; upgrades are piped byte for byte.
 * @param {GateOptions} options
 */
export function createGate(options) {
  const secrets = secretStore(options.secretFile, options.secretMaxAgeMs, options.log);
  const activity = activityTracker(options.clock);
  // requestTimeout 0: uploads and long polls take as long as they take. Idle keep-alive connections
  // are kept longer than Caddy keeps them (2 min), so Caddy never reuses one the gate is closing.
  const server = createServer({
    requestTimeout: 0,
    keepAliveTimeout: 130_000,
    headersTimeout: 135_000,
    noDelay: true,
  });

  server.on('request', async (req, res) => {
    const answer = (/** @type {Answer} */ { status, body, headers }) => {
      res.writeHead(status, {
        'content-type': 'text/plain',
        'content-length': Buffer.byteLength(body),
        ...headers,
      });
      res.end(body);
    };
    const decision = await decide(req.rawHeaders, secrets, activity, options);
    if ('status' in decision) return answer(decision);
    const fetchMode = headerValues(req.rawHeaders, FETCH_MODE_HEADER)[0];
    if (decision.fromEdge && requestIsActivity(decision.to, fetchMode)) activity.touch();
    const upstream = await dial(decision.upstream).catch(() => undefined);
    if (!upstream) return answer(badGateway(decision.upstream));
    upstream.setNoDelay(true);
    const outgoing = request({
      method: req.method,
      path: req.url,
      headers: forwardedHeaders(req.rawHeaders),
      // No agent: with one, Node would ignore createConnection and dial a port of its own.
      createConnection: () => upstream,
    });
    outgoing.on('response', (response) => {
      res.writeHead(
        response.statusCode ?? 502,
        response.statusMessage,
        forwardedHeaders(response.rawHeaders),
      );
      res.flushHeaders();
      pipeline(response, res, () => upstream.destroy());
    });
    outgoing.on('error', () => (res.headersSent ? res.destroy() : answer(badGateway(decision.upstream))));
    pipeline(req, outgoing, () => {});
    res.on('close', () => res.writableFinished || outgoing.destroy());
  });

  server.on('upgrade', async (req, client, head) => {
    client.on('error', () => client.destroy());
    const answer = (/** @type {Answer} */ { status, body, headers = {} }) =>
      client.end(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
          Object.entries(headers)
            .map(([name, value]) => `${name}: ${value}\r\n`)
            .join('') +
          `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    const decision = await decide(req.rawHeaders, secrets, activity, options);
    if ('status' in decision) return answer(decision);
    const upstream = await dial(decision.upstream).catch(() => undefined);
    if (!upstream) return answer(badGateway(decision.upstream));
    let headers = forwardedHeaders(req.rawHeaders, true);
    if (decision.fromEdge) {
      // An app's WebSocket opened is activity; VS Code opens and reopens its own by itself.
      if (decision.to === 'port') activity.touch();
      // The browser's frames tell a keystroke from VS Code's keep-alives only uncompressed: offer
      // code-server no permessage-deflate (its own --disable-websocket-compression does the same).
      if (decision.to === 'code-server')
        headers = headers.filter(
          (_, i, all) => (i % 2 === 0 ? all[i] : all[i - 1])?.toLowerCase() !== WEBSOCKET_EXTENSIONS_HEADER,
        );
      const frames = activity.watchClientFrames(decision.to);
      if (head.length > 0) frames.push(head);
      client.on('data', (chunk) => frames.push(chunk));
    }
    let head0 = `${req.method} ${req.url} HTTP/${req.httpVersion}\r\n`;
    for (let i = 0; i < headers.length; i += 2) head0 += `${headers[i]}: ${headers[i + 1]}\r\n`;
    upstream.setNoDelay(true);
    upstream.write(`${head0}\r\n`);
    if (head.length > 0) upstream.write(head);
    // Both ways, byte for byte: the upstream's own 101 (or refusal) reaches the client unchanged.
    pipeline(upstream, client, () => upstream.destroy());
    pipeline(client, upstream, () => client.destroy());
  });
  return server;
}
