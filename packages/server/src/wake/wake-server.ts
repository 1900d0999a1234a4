import { chmod, rm } from 'node:fs/promises';
import { createServer, type Server, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { answerWake, type WakeDeps, wakeRequestOf } from './wake-handler.js';

export interface WakeServer {
  readonly socketPath: string;
  close(): Promise<void>;
}

/**
 * The wake handler on its own unix socket (0600; only Caddy, as the same user, dials it): apart
 * from the API's socket, so nothing that reaches a workspace's routes can reach the API.
 */
export async function startWakeServer(socketPath: string, deps: WakeDeps): Promise<WakeServer> {
  const server: Server = createServer((req, res) => {
    // The request body (if any) is not wanted: drain it so the connection can be reused.
    req.resume();
    const answer = answerWake(deps, wakeRequestOf(req.headers, false));
    res.writeHead(answer.status, { ...answer.headers, 'content-length': Buffer.byteLength(answer.body) });
    res.end(req.method === 'HEAD' ? undefined : answer.body);
  });
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('upgrade', (req, socket: Socket) => {
    socket.on('error', () => socket.destroy());
    const answer = answerWake(deps, wakeRequestOf(req.headers, true));
    const head = Object.entries({
      ...answer.headers,
      'content-length': String(Buffer.byteLength(answer.body)),
    })
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('');
    socket.end(
      `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status]}\r\nconnection: close\r\n${head}\r\n${answer.body}`,
    );
  });
  // A socket left by a crashed server would make listen fail with EADDRINUSE.
  await rm(socketPath, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, resolve);
  });
  await chmod(socketPath, 0o600);
  return {
    socketPath,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
