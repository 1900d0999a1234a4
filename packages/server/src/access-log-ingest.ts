import { chmod, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import type { AccessLogEntry, AccessLogRetention, AccessLogStore } from '@rockpool/db';
import { MalformedAccessLogError, parseAccessLogLine } from './access-log-entry.js';

export interface AccessLogIngestOptions {
  /** Caddy's net log writer dials this unix socket (mode 0600: only Caddy's user can write). */
  socketPath: string;
  store: AccessLogStore;
  retention: AccessLogRetention;
  /** How often buffered entries are written. Default 250 ms. */
  flushIntervalMs?: number;
  /** How often the retention limit is applied. Default 60 s. */
  pruneIntervalMs?: number;
}

export interface AccessLogIngest extends AsyncDisposable {
  readonly socketPath: string;
  /** Entries stored and lines skipped since start. */
  stats(): { stored: number; malformed: number };
  /** Writes buffered entries now. */
  flush(): void;
  close(): Promise<void>;
}

/** A line longer than this is not an access log entry; it is dropped rather than buffered. */
const MAX_LINE_BYTES = 64 * 1024;
const MAX_BATCH = 500;

/**
 * Receives Caddy's access log (newline-delimited JSON from its `net` writer) and stores it in
 * batches. Malformed lines are counted and skipped; a flood cannot grow memory past one line each
 * connection plus one batch.
 */
export async function startAccessLogIngest(options: AccessLogIngestOptions): Promise<AccessLogIngest> {
  let pending: AccessLogEntry[] = [];
  let stored = 0;
  let malformed = 0;
  const flush = () => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    options.store.insertMany(batch);
    stored += batch.length;
  };
  const accept = (line: string) => {
    if (line.trim() === '') return;
    try {
      pending.push(parseAccessLogLine(line));
    } catch (error) {
      if (!(error instanceof MalformedAccessLogError)) throw error;
      malformed++;
      return;
    }
    if (pending.length >= MAX_BATCH) flush();
  };
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    let buffered = '';
    let discarding = false;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      const lines = (buffered + chunk).split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (discarding) {
          discarding = false;
          continue;
        }
        accept(line);
      }
      if (buffered.length > MAX_LINE_BYTES) {
        malformed++;
        buffered = '';
        discarding = true;
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      if (buffered && !discarding) accept(buffered);
      sockets.delete(socket);
    });
  });
  // A socket left by a crashed server would make listen fail with EADDRINUSE.
  await rm(options.socketPath, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.socketPath, resolve);
  });
  await chmod(options.socketPath, 0o600);
  const flushTimer = setInterval(flush, options.flushIntervalMs ?? 250);
  const prune = () => {
    flush();
    options.store.prune(options.retention);
  };
  prune();
  const pruneTimer = setInterval(prune, options.pruneIntervalMs ?? 60_000);
  flushTimer.unref();
  pruneTimer.unref();

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>((resolve) => {
      clearInterval(flushTimer);
      clearInterval(pruneTimer);
      for (const socket of sockets) socket.destroy();
      server.close(() => {
        flush();
        resolve();
      });
    });
    return closing;
  };
  return {
    socketPath: options.socketPath,
    stats: () => ({ stored, malformed }),
    flush,
    close,
    [Symbol.asyncDispose]: close,
  };
}
