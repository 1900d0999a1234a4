import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { GATE_ERROR_HEADER, GATE_PORT_HEADER, GATE_SECRET_HEADER } from '@rockpool/caddy';
import type { GateEndpoint } from '../runtime/vm-runtime.js';

type GateAnswer = { status: number; fromGate: boolean } | { failure: string };

/**
 * GET `path` through the workspace's gate, with its secret, to code-server or (with `port`) to that
 * guest port: the status, and whether the gate answered it itself (nothing listens upstream).
 */
function throughGate(
  gate: GateEndpoint,
  path: string,
  timeoutMs: number,
  port?: number,
): Promise<GateAnswer> {
  const colon = gate.address.lastIndexOf(':');
  const headers = {
    [GATE_SECRET_HEADER]: gate.secret,
    ...(port === undefined ? {} : { [GATE_PORT_HEADER]: String(port) }),
  };
  return new Promise((resolve) => {
    const req = request(
      {
        host: gate.address.slice(0, colon),
        port: Number(gate.address.slice(colon + 1)),
        path,
        headers,
        timeout: timeoutMs,
        agent: false,
      },
      (res) => {
        res.resume();
        resolve({
          status: res.statusCode ?? 0,
          fromGate: res.headers[GATE_ERROR_HEADER.toLowerCase()] !== undefined,
        });
      },
    );
    req.on('timeout', () => {
      resolve({ failure: `no answer within ${timeoutMs / 1000} s` });
      req.destroy();
    });
    req.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ failure: `connection failed (${error.code ?? error.message})` }),
    );
    req.end();
  });
}

/** What a status from the gate means, for the log and the workspace's error. */
const GATE_STATUSES: Record<number, string> = {
  403: 'the gate refused the secret',
  502: 'code-server does not listen behind the gate',
  503: 'the gate has no secret yet',
};

/**
 * Why code-server did not answer GET /healthz through the gate with 200, or undefined when it did.
 * The reason separates a slow guest (no answer in time) from a dead IDE (connection refused or reset).
 */
export async function ideProblem(gate: GateEndpoint, timeoutMs: number): Promise<string | undefined> {
  const answer = await throughGate(gate, '/healthz', timeoutMs);
  if ('failure' in answer) return answer.failure;
  if (answer.status === 200) return undefined;
  const meaning = GATE_STATUSES[answer.status];
  return `/healthz answered ${answer.status}${meaning ? ` (${meaning})` : ''}`;
}

/**
 * Whether an app answers HTTP on guest `port` (what decides 200 or the edge's "not listening" page):
 * any answer but the gate's own 502 is the app's.
 */
export async function portListening(gate: GateEndpoint, port: number, timeoutMs = 1_500): Promise<boolean> {
  const answer = await throughGate(gate, '/', timeoutMs, port);
  return !('failure' in answer) && !answer.fromGate;
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

/** Polls until code-server answers through the gate, or throws after `timeoutMs` with what it last saw. */
export async function waitForIde(gate: GateEndpoint, options: WaitForIdeOptions): Promise<void> {
  const { timeoutMs, stillWanted, onTick, now = Date.now } = options;
  const deadline = now() + timeoutMs;
  let lastProblem = 'no check ran';
  while (now() < deadline) {
    if (!stillWanted()) throw new Error('the workspace is no longer wanted');
    const problem = await ideProblem(gate, 3_000);
    if (!problem) return;
    lastProblem = problem;
    onTick?.();
    await sleep(500);
  }
  throw new Error(
    `code-server did not answer through the gate at ${gate.address} within ${Math.round(timeoutMs / 1000)} s (last check: ${lastProblem})`,
  );
}
