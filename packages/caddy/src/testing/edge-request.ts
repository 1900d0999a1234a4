import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface EdgeRequestOptions {
  method?: string;
  headers?: Record<string, string>;
  /** PEM roots to trust (a self-signed or private CA certificate). */
  ca?: string | Buffer;
  /** A client certificate as .p12 and its password. */
  pfx?: Buffer;
  passphrase?: string;
  /** SNI and certificate name to check, when the URL's host is an IP. */
  servername?: string;
  /** The local address to connect from, e.g. `127.0.0.2`, to be another client. */
  localAddress?: string;
  /**
   * The request target sent as is (`/a/..%2fb`), instead of the URL's path and query, which
   * `new URL` and `fetch` would normalise.
   */
  rawPath?: string;
  /** The request body, sent as is (with a Content-Length). */
  body?: string | Buffer;
}

export interface EdgeResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * One request on a fresh connection (no keep-alive: Caddy closes idle connections on every config
 * change), over HTTP or HTTPS with the given trust and client certificate.
 */
export function edgeRequest(url: string, options: EdgeRequestOptions = {}): Promise<EdgeResponse> {
  const target = new URL(url);
  const common = {
    method: options.method ?? 'GET',
    headers: options.headers ?? {},
    agent: false as const,
    ...(options.localAddress ? { localAddress: options.localAddress } : {}),
    ...(options.rawPath ? { path: options.rawPath } : {}),
  };
  return new Promise((resolve, reject) => {
    let answered = false;
    const onResponse = (res: import('node:http').IncomingMessage) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
      res.on('error', reject);
    };
    const req =
      target.protocol === 'https:'
        ? httpsRequest(
            target,
            {
              ...common,
              ...(options.ca ? { ca: options.ca } : {}),
              ...(options.pfx ? { pfx: options.pfx, passphrase: options.passphrase } : {}),
              ...(options.servername ? { servername: options.servername } : {}),
            },
            onResponse,
          )
        : httpRequest(target, common, onResponse);
    // A server may answer before the whole body is sent (a 413) and then close: the answer counts.
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    req.end(options.body);
  });
}
