import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGate, type Upstream } from '@rockpool/guest/gate';

/** A gate secret for tests whose workspace upstream is not a gate (an echo server ignores it). */
export const TEST_GATE_SECRET = randomBytes(32).toString('base64url');

/** The guest's real gate (packages/guest), on host loopback, in front of test servers. */
export interface TestGate extends AsyncDisposable {
  /** `127.0.0.1:{port}`: what a workspace route dials. */
  readonly address: string;
  readonly secret: string;
  close(): Promise<void>;
}

function hostPort(address: string): Upstream {
  const colon = address.lastIndexOf(':');
  return { host: address.slice(0, colon), port: Number(address.slice(colon + 1)) };
}

/**
 * Runs the gate as the guest does, with `codeServer` (`host:port`) as code-server and `ports` as
 * the guest's apps (guest port → `host:port`), and `otherPorts` for every other guest port. A port
 * that leads nowhere has nothing listening: the gate answers 502, as in a guest.
 */
export async function startTestGate(options: {
  codeServer: string;
  ports?: Record<number, string>;
  otherPorts?: string;
  secret?: string;
  /** The gate's monotonic clock for idle times (ms); default performance.now. */
  clock?: () => number;
}): Promise<TestGate> {
  const dir = await mkdtemp(join(tmpdir(), 'rockpool-test-gate-'));
  const secret = options.secret ?? randomBytes(32).toString('base64url');
  const secretFile = join(dir, 'gate-secret');
  await writeFile(secretFile, `${secret}\n`, { mode: 0o600 });
  const ports = options.ports ?? {};
  const nothing = { socketPath: join(dir, 'nothing-listens') };
  const server = createGate({
    secretFile,
    codeServer: hostPort(options.codeServer),
    guestPort: (port) => {
      const app = ports[port] ?? options.otherPorts;
      return app ? hostPort(app) : nothing;
    },
    ...(options.clock ? { clock: options.clock } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  // closeAllConnections does not reach upgraded connections (WebSockets): every socket is tracked.
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    }).then(() => rm(dir, { recursive: true, force: true }));
    return closing;
  };
  const { port } = server.address() as AddressInfo;
  return { address: `127.0.0.1:${port}`, secret, close, [Symbol.asyncDispose]: close };
}
