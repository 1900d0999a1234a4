import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const RESPONSE_SIZES = { small: 100, large: 100 * 1024 } as const;
export type ResponseSize = keyof typeof RESPONSE_SIZES;

export interface FixedUpstream extends AsyncDisposable {
  readonly address: string;
  readonly url: string;
  close(): Promise<void>;
}

/** An HTTP server answering `/small` with 100 B and `/large` with 100 KB, the same bytes every time. */
export async function startFixedUpstream(): Promise<FixedUpstream> {
  const bodies = {
    small: Buffer.alloc(RESPONSE_SIZES.small, 'a'),
    large: Buffer.alloc(RESPONSE_SIZES.large, 'b'),
  };
  const server: Server = createServer((req, res) => {
    const body = req.url?.startsWith('/large') ? bodies.large : bodies.small;
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length });
    res.end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return {
    address: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    close,
    [Symbol.asyncDispose]: close,
  };
}

export interface TimedResponse {
  status: number;
  ms: number;
  body: string;
  location?: string;
}

/** Whether a request failed because the connection was reset before any answer. */
export function isConnectionReset(error: unknown): boolean {
  const { code, message } = error as { code?: string; message?: string };
  return code === 'ECONNRESET' || message === 'socket hang up';
}

/**
 * A GET (or another idempotent request) sent again when a config change reset its fresh connection
 * before any answer (README, "Route changes, WebSockets and connections"): a status poll must not
 * end a run on that.
 */
export async function idempotentRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<TimedResponse> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await timedRequest(url, options);
    } catch (error) {
      if (!isConnectionReset(error) || attempt >= 5) throw error;
    }
  }
}

/** One request on a new connection (no keep-alive pool), timed from connect to the last byte. */
export function timedRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<TimedResponse> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const req = httpRequest(
      url,
      { method: options.method ?? 'GET', headers: options.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            ms: performance.now() - start,
            body: Buffer.concat(chunks).toString(),
            ...(res.headers.location ? { location: res.headers.location } : {}),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}
