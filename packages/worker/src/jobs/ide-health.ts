import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Why code-server did not answer GET http://{address}/healthz with 200, or undefined when it did.
 * The reason separates a slow guest (no answer in time) from a dead IDE (connection refused or reset).
 */
export function ideProblem(address: string, timeoutMs: number): Promise<string | undefined> {
  const [host, port] = address.split(':');
  return new Promise((resolve) => {
    const req = request(
      { host, port: Number(port), path: '/healthz', timeout: timeoutMs, agent: false },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200 ? undefined : `/healthz answered ${res.statusCode}`);
      },
    );
    req.on('timeout', () => {
      resolve(`no answer within ${timeoutMs / 1000} s`);
      req.destroy();
    });
    req.on('error', (error: NodeJS.ErrnoException) =>
      resolve(`connection failed (${error.code ?? error.message})`),
    );
    req.end();
  });
}

/**
 * Whether an app answers HTTP on `address` (what decides 200 or 502 at the edge). A TCP connect is
 * not enough: QEMU's forward accepts every connection and only then tries the guest.
 */
export function answersHttp(address: string, timeoutMs = 1_500): Promise<boolean> {
  const [host, port] = address.split(':');
  return new Promise((resolve) => {
    const req = request({ host, port: Number(port), path: '/', timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

export interface WaitForIdeOptions {
  timeoutMs: number;
  /** Checked before every poll: waiting ends (with an error) once the workspace is no longer wanted. */
  stillWanted: () => boolean;
  /** Called after every failed poll (the job runner extends its lease there). */
  onTick?: () => void;
  /** Milliseconds since the epoch; default Date.now. */
  now?: () => number;
}

/** Polls until code-server answers, or throws after `timeoutMs` with what it last saw. */
export async function waitForIde(address: string, options: WaitForIdeOptions): Promise<void> {
  const { timeoutMs, stillWanted, onTick, now = Date.now } = options;
  const deadline = now() + timeoutMs;
  let lastProblem = 'no check ran';
  while (now() < deadline) {
    if (!stillWanted()) throw new Error('the workspace is no longer wanted');
    const problem = await ideProblem(address, 3_000);
    if (!problem) return;
    lastProblem = problem;
    onTick?.();
    await sleep(500);
  }
  throw new Error(
    `code-server did not answer on ${address} within ${Math.round(timeoutMs / 1000)} s (last check: ${lastProblem})`,
  );
}
