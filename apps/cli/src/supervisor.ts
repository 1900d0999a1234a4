import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface SupervisedOptions {
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd?: string;
  logFile: string;
  /** Each line is also written here, prefixed with the name (the terminal). */
  echo?: NodeJS.WritableStream;
  /** How long `stop()` waits after SIGTERM before SIGKILL. Default 15 s. */
  stopTimeoutMs?: number;
}

/**
 * Runs one process of the stack and restarts it when it dies, backing off when it keeps dying.
 * `stop()` ends it by PID (SIGTERM, then SIGKILL) and stops restarting; safe to call twice.
 */
export class Supervised {
  #child: ChildProcess | undefined;
  #stopping = false;
  #restarts: number[] = [];
  #log: WriteStream;
  #exited: Promise<void> = Promise.resolve();

  constructor(private readonly options: SupervisedOptions) {
    this.#log = createWriteStream(options.logFile, { flags: 'a', mode: 0o600 });
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  start(): void {
    const child = spawn(this.options.command, this.options.args, {
      env: this.options.env,
      ...(this.options.cwd ? { cwd: this.options.cwd } : {}),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child = child;
    const prefix = `[${this.options.name}] `;
    for (const stream of [child.stdout, child.stderr])
      stream?.on('data', (chunk: Buffer) => {
        this.#log.write(chunk);
        if (this.options.echo)
          for (const line of chunk.toString().split('\n').filter(Boolean))
            this.options.echo.write(`${prefix}${line}\n`);
      });
    this.#exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        resolve();
        if (this.#stopping) return;
        this.options.echo?.write(`${prefix}exited (${signal ?? code}); restarting\n`);
        void this.#restart();
      }),
    );
  }

  async #restart(): Promise<void> {
    const now = Date.now();
    this.#restarts = this.#restarts.filter((t) => now - t < 60_000);
    this.#restarts.push(now);
    await sleep(Math.min(30_000, 500 * 2 ** (this.#restarts.length - 1)));
    if (!this.#stopping) this.start();
  }

  /** No more restarts: the process is being stopped, or is about to be. */
  holdRestarts(): void {
    this.#stopping = true;
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    const child = this.#child;
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const exited = await Promise.race([
        this.#exited.then(() => true),
        sleep(this.options.stopTimeoutMs ?? 15_000).then(() => false),
      ]);
      if (!exited) {
        child.kill('SIGKILL');
        await this.#exited;
      }
    }
    this.#log.end();
  }
}
