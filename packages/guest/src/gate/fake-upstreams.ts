import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What an upstream saw of one request: the proof of what the gate forwarded. */
export interface Seen {
  method: string;
  url: string;
  headers: string[];
  body: string;
}

/** The value a WebSocket server must answer to a Sec-WebSocket-Key (RFC 6455 §4.2.2). */
export function websocketAccept(key: string): string {
  return createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) body += chunk;
  return body;
}

/**
 * A stand-in for code-server: echoes requests as JSON, streams server-sent events one at a time
 * when told to (`/events`), and accepts WebSocket upgrades, like code-server, only when Origin
 * matches Host; then echoes bytes back. Every request it sees is recorded.
 */
export function fakeCodeServer() {
  const seen: Seen[] = [];
  let sendEvent: ((data: string) => void) | undefined;
  const server = createServer(async (req, res) => {
    const entry = { method: req.method ?? '', url: req.url ?? '', headers: req.rawHeaders, body: '' };
    seen.push(entry);
    if (req.url === '/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.flushHeaders();
      sendEvent = (data) => res.write(`data: ${data}\n\n`);
      return;
    }
    entry.body = await readBody(req);
    res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': 'code-server' });
    res.end(JSON.stringify(entry));
  });
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.rawHeaders, body: '' });
    const origin = req.headers.origin ? new URL(req.headers.origin).host : undefined;
    if (origin !== req.headers.host) {
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const accept = websocketAccept(String(req.headers['sec-websocket-key']));
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    if (head.length > 0) socket.write(head);
    socket.pipe(socket);
  });
  return {
    server,
    seen,
    /** Sends one event on the open `/events` stream. */
    event(data: string) {
      if (!sendEvent) throw new Error('no /events stream is open');
      sendEvent(data);
    },
  };
}

/** A stand-in for a user's app on a guest port: answers with its name and the headers it got. */
export function fakeApp(name: string) {
  const seen: Seen[] = [];
  const server = createServer(async (req, res) => {
    const entry = { method: req.method ?? '', url: req.url ?? '', headers: req.rawHeaders, body: '' };
    entry.body = await readBody(req);
    seen.push(entry);
    res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': name });
    res.end(JSON.stringify(entry));
  });
  return { server, seen };
}

export async function listen(server: Server, where: { port: number; host: string } | { path: string }) {
  server.listen(where);
  await once(server, 'listening');
  const address = server.address();
  return typeof address === 'string' || !address ? 0 : (address as AddressInfo).port;
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP request with exactly these headers (Host included; fetch would not allow setting it). */
export async function send(
  port: number,
  options: { path?: string; method?: string; headers?: Record<string, string | string[]>; body?: string },
): Promise<Answer> {
  const req = request({
    host: '127.0.0.1',
    port,
    path: options.path ?? '/',
    method: options.method ?? 'GET',
    headers: options.headers ?? {},
    agent: false,
  });
  req.end(options.body);
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  return { status: res.statusCode ?? 0, headers: res.headers, body: await readBody(res) };
}

/** Asks for a WebSocket upgrade; resolves with the socket after a 101, or the refusal. */
export async function upgrade(
  port: number,
  headers: Record<string, string>,
): Promise<
  { upgraded: true; accept: string; socket: Socket } | { upgraded: false; status: number; body: string }
> {
  const req = request({
    host: '127.0.0.1',
    port,
    path: '/stable/ws',
    agent: false,
    headers: {
      connection: 'Upgrade',
      upgrade: 'websocket',
      'sec-websocket-version': '13',
      'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      ...headers,
    },
  });
  req.end();
  return new Promise((resolve, reject) => {
    req.on('upgrade', (res: IncomingMessage, socket: Socket) =>
      resolve({ upgraded: true, accept: String(res.headers['sec-websocket-accept']), socket }),
    );
    req.on('response', async (res: IncomingMessage) =>
      resolve({ upgraded: false, status: res.statusCode ?? 0, body: await readBody(res) }),
    );
    req.on('error', reject);
  });
}
