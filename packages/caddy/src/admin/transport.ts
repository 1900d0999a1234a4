import { request } from 'node:http';

export interface AdminRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface AdminResponse {
  status: number;
  headers: Record<string, string | undefined>;
  body: string;
}

/** Sends one request to Caddy's admin API. Injected so tests and other processes can swap it. */
export type AdminTransport = (req: AdminRequest) => Promise<AdminResponse>;

export interface ParsedEndpoint {
  socketPath?: string;
  host?: string;
  port?: number;
}

/** `unix//path/admin.sock`, `localhost:2019`, `127.0.0.1:2019` or `http://127.0.0.1:2019`. */
export function parseAdminEndpoint(endpoint: string): ParsedEndpoint {
  if (endpoint.startsWith('unix/')) {
    const socketPath = endpoint.slice('unix/'.length);
    if (!socketPath.startsWith('/')) throw new RangeError(`admin socket path must be absolute: ${endpoint}`);
    return { socketPath };
  }
  const url = new URL(endpoint.includes('://') ? endpoint : `http://${endpoint}`);
  if (url.protocol !== 'http:') throw new RangeError(`admin endpoint must be http or unix: ${endpoint}`);
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 2019) };
}

/** A transport over node:http: it speaks to unix sockets, which `fetch` cannot. */
export function httpTransport(endpoint: string, timeoutMs = 30_000): AdminTransport {
  const target = parseAdminEndpoint(endpoint);
  return (req) =>
    new Promise((resolve, reject) => {
      const body = req.body === undefined ? undefined : Buffer.from(req.body);
      const outgoing = request(
        {
          ...target,
          method: req.method,
          path: req.path,
          // Caddy replaces its admin server on every config change and closes idle keep-alive
          // connections, so a pooled connection can die under the next request: never pool.
          agent: false,
          // Caddy checks Host against the listen address on TCP; on a unix socket any value passes.
          headers: {
            Host: target.socketPath ? 'localhost' : `${target.host}:${target.port}`,
            Connection: 'close',
            ...(body ? { 'Content-Type': 'application/json', 'Content-Length': String(body.length) } : {}),
            ...req.headers,
          },
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const headers: Record<string, string | undefined> = {};
            for (const [name, value] of Object.entries(res.headers))
              headers[name] = Array.isArray(value) ? value.join(', ') : value;
            resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString('utf8') });
          });
        },
      );
      outgoing.on('timeout', () => outgoing.destroy(new Error(`timed out after ${timeoutMs} ms`)));
      outgoing.on('error', reject);
      outgoing.end(body);
    });
}
