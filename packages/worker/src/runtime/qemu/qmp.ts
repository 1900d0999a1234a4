import { createConnection, type Socket } from 'node:net';

/**
 * A minimal client for QEMU's JSON line protocols on a unix socket: QMP (the monitor) and the
 * guest agent (QGA). One connection per call keeps it stateless; events are skipped.
 */
export class JsonLineSocket {
  readonly #socket: Socket;
  #buffer = '';
  readonly #waiters: ((line: Record<string, unknown>) => void)[] = [];
  readonly #lines: Record<string, unknown>[] = [];
  #error: Error | undefined;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.#buffer += chunk;
      for (let i = this.#buffer.indexOf('\n'); i >= 0; i = this.#buffer.indexOf('\n')) {
        const line = this.#buffer.slice(0, i).trim();
        this.#buffer = this.#buffer.slice(i + 1);
        if (!line) continue;
        const message = JSON.parse(line) as Record<string, unknown>;
        if ('event' in message) continue;
        const waiter = this.#waiters.shift();
        if (waiter) waiter(message);
        else this.#lines.push(message);
      }
    });
    socket.on('error', (error) => {
      this.#error = error;
    });
  }

  static connect(path: string, timeoutMs: number): Promise<JsonLineSocket> {
    return new Promise((resolve, reject) => {
      const socket = createConnection(path);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connecting to ${path} timed out`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(new JsonLineSocket(socket));
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  send(message: unknown): void {
    this.#socket.write(`${JSON.stringify(message)}\n`);
  }

  next(timeoutMs: number): Promise<Record<string, unknown>> {
    const queued = this.#lines.shift();
    if (queued) return Promise.resolve(queued);
    if (this.#error) return Promise.reject(this.#error);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no answer from QEMU in time')), timeoutMs);
      this.#waiters.push((line) => {
        clearTimeout(timer);
        resolve(line);
      });
    });
  }

  close(): void {
    this.#socket.destroy();
  }
}

function unwrap(reply: Record<string, unknown>, what: string): unknown {
  if ('error' in reply) {
    const error = reply.error as { desc?: string };
    throw new Error(`${what}: ${error.desc ?? JSON.stringify(error)}`);
  }
  return reply.return;
}

/** Runs one QMP command (after the capabilities handshake). */
export async function qmp(
  socketPath: string,
  execute: string,
  args?: Record<string, unknown>,
  timeoutMs = 10_000,
) {
  const socket = await JsonLineSocket.connect(socketPath, timeoutMs);
  try {
    await socket.next(timeoutMs); // greeting
    socket.send({ execute: 'qmp_capabilities' });
    unwrap(await socket.next(timeoutMs), 'qmp_capabilities');
    socket.send(args ? { execute, arguments: args } : { execute });
    return unwrap(await socket.next(timeoutMs), execute);
  } finally {
    socket.close();
  }
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface GuestExecOptions {
  /** How long the command may run; default 60 s. */
  timeoutMs?: number;
  /**
   * The command's stdin. This is how secrets reach the guest: a command line is world-readable
   * (`/proc/<pid>/cmdline`) on both sides, the guest agent's input is not.
   */
  input?: string;
}

/**
 * One guest-agent connection for several commands, after it skipped any stale replies an earlier
 * client left queued. Each new connection costs ~0.1 s: the agent polls a port with no host on it
 * every 100 ms, so it answers the first message that late. A sequence of commands (the fix-ups:
 * clock, program, clock) shares one.
 */
export interface GuestSession {
  /** One command, answered within `timeoutMs` (default 10 s). */
  call(execute: string, args?: Record<string, unknown>, timeoutMs?: number): Promise<unknown>;
  /** Runs a command in the guest to its end. */
  exec(argv: string[], options?: GuestExecOptions): Promise<ExecResult>;
}

/** Opens a guest-agent session, runs `use` with it, and closes it. */
export async function withGuestSession<T>(
  socketPath: string,
  use: (session: GuestSession) => Promise<T>,
): Promise<T> {
  const socket = await JsonLineSocket.connect(socketPath, 5_000);
  try {
    // The agent may have replies queued from an earlier client: frame the exchange by guest-sync.
    const id = Math.floor(Math.random() * 2 ** 31);
    socket.send({ execute: 'guest-sync', arguments: { id } });
    for (;;) {
      const reply = await socket.next(5_000);
      if (reply.return === id) break;
    }
    const call = async (execute: string, args?: Record<string, unknown>, timeoutMs = 10_000) => {
      socket.send(args ? { execute, arguments: args } : { execute });
      return unwrap(await socket.next(timeoutMs), execute);
    };
    return await use({ call, exec: (argv, options) => execIn(call, argv, options) });
  } finally {
    socket.close();
  }
}

async function execIn(
  call: GuestSession['call'],
  argv: string[],
  options: GuestExecOptions = {},
): Promise<ExecResult> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const [path, ...arg] = argv;
  const input =
    options.input === undefined ? {} : { 'input-data': Buffer.from(options.input).toString('base64') };
  const { pid } = (await call('guest-exec', { path, arg, ...input, 'capture-output': true }, timeoutMs)) as {
    pid: number;
  };
  const deadline = Date.now() + timeoutMs;
  // Short commands finish in tens of milliseconds: poll soon, then every 25 ms (a status call
  // costs the guest ~1 ms; a longer interval is time a fix-up's caller waits for nothing).
  for (let pollMs = 5; ; pollMs = Math.min(pollMs * 2, 25)) {
    const status = (await call('guest-exec-status', { pid }, timeoutMs)) as {
      exited: boolean;
      exitcode?: number;
      'out-data'?: string;
      'err-data'?: string;
    };
    if (status.exited)
      return {
        exitCode: status.exitcode ?? -1,
        stdout: Buffer.from(status['out-data'] ?? '', 'base64').toString('utf8'),
        stderr: Buffer.from(status['err-data'] ?? '', 'base64').toString('utf8'),
      };
    if (Date.now() > deadline)
      throw new Error(`guest command ${argv.join(' ')} did not finish in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** One guest-agent command (e.g. guest-get-time), answered within `timeoutMs`. */
export function guestCommand(
  socketPath: string,
  execute: string,
  args?: Record<string, unknown>,
  timeoutMs = 10_000,
): Promise<unknown> {
  return withGuestSession(socketPath, (session) => session.call(execute, args, timeoutMs));
}

/** Runs a command in the guest through qemu-guest-agent. */
export function guestExec(
  socketPath: string,
  argv: string[],
  options: GuestExecOptions = {},
): Promise<ExecResult> {
  return withGuestSession(socketPath, (session) => session.exec(argv, options));
}

/** Whether the guest agent answers (the guest has booted far enough to run it). */
export async function guestPing(socketPath: string, timeoutMs = 2_000): Promise<boolean> {
  try {
    const socket = await JsonLineSocket.connect(socketPath, timeoutMs);
    try {
      const id = Math.floor(Math.random() * 2 ** 31);
      socket.send({ execute: 'guest-sync', arguments: { id } });
      for (;;) if ((await socket.next(timeoutMs)).return === id) return true;
    } finally {
      socket.close();
    }
  } catch {
    return false;
  }
}
