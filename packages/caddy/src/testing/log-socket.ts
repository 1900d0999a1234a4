import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A unix socket that collects Caddy's shipped access log lines (see buildAccessLogging), parsed. */
export interface LogSocket extends AsyncDisposable {
  readonly path: string;
  readonly entries: Record<string, unknown>[];
  /** The first entry `matches` accepts, waiting for it up to `timeoutMs`. */
  find(
    matches: (entry: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

export async function startLogSocket(): Promise<LogSocket> {
  const dir = await mkdtemp(join(tmpdir(), 'rockpool-log-socket-'));
  const path = join(dir, 'access.sock');
  const entries: Record<string, unknown>[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    let buffered = '';
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) entries.push(JSON.parse(line) as Record<string, unknown>);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, resolve);
  });
  const close = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  };
  return {
    path,
    entries,
    async find(matches, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = entries.find(matches);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no matching access log entry among ${entries.length}`);
        await sleep(50);
      }
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
