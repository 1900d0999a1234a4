import { type AddressInfo, connect, createServer, type Socket } from 'node:net';

/**
 * A TCP forward on 127.0.0.1, like QEMU's `hostfwd`: it accepts every connection and only then
 * dials the target, closing the connection when nothing answers there. It can also freeze: accept
 * and leave connections unanswered, as a guest starved of CPU does.
 */
export interface TcpForward {
  readonly address: string;
  frozen: boolean;
  /** Connections accepted and left unanswered while frozen. */
  unanswered: number;
  close(): Promise<void>;
}

/** Forwards to `target` (`host:port`). */
export async function startTcpForward(target: string): Promise<TcpForward> {
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const server = createServer((client) => {
    track(client);
    if (forward.frozen) {
      forward.unanswered++;
      return;
    }
    const colon = target.lastIndexOf(':');
    const upstream = connect(Number(target.slice(colon + 1)), target.slice(0, colon));
    track(upstream);
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  let closing: Promise<void> | undefined;
  const forward: TcpForward = {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    frozen: false,
    unanswered: 0,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
  return forward;
}
