import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** How many body bytes arrived (so far, while the request is still being read). */
  bodyBytes: number;
}

/**
 * A real HTTP server that reads each request's body, then answers with what it saw (the body's
 * length, not the body); it echoes WebSocket messages.
 */
export interface EchoUpstream extends AsyncDisposable {
  readonly port: number;
  readonly address: string;
  readonly requests: SeenRequest[];
  close(): Promise<void>;
}

/** An answer of its own for some requests (not echoed, not recorded), e.g. a control plane's internal route. */
export type UpstreamAnswer = (
  request: IncomingMessage,
) => { status: number; headers?: Record<string, string>; body?: string } | undefined;

export async function startEchoUpstream(
  options: { port?: number; name?: string; answer?: UpstreamAnswer } = {},
): Promise<EchoUpstream> {
  const requests: SeenRequest[] = [];
  const server: Server = createServer((req, res) => {
    const answer = options.answer?.(req);
    if (answer) {
      res.writeHead(answer.status, answer.headers ?? {});
      res.end(answer.body ?? '');
      return;
    }
    const seen: SeenRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      bodyBytes: 0,
    };
    requests.push(seen);
    req.on('data', (chunk: Buffer) => {
      seen.bodyBytes += chunk.length;
    });
    req.on('end', () => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'X-Upstream': options.name ?? 'echo' });
      res.end(JSON.stringify(seen));
    });
  });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (socket) => socket.on('message', (data, binary) => socket.send(data, { binary })));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>((resolve) => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      server.close(() => resolve());
    });
    return closing;
  };
  return { port, address: `127.0.0.1:${port}`, requests, close, [Symbol.asyncDispose]: close };
}
