import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { GATE_ERROR_HEADER, GATE_PORT_HEADER, GATE_SECRET_HEADER } from '@rockpool/caddy';
import type { GateEndpoint } from '../runtime/vm-runtime.js';

type GateAnswer = { status: number; fromGate: boolean; body: string } | { failure: string };

/** Asks the gate for its activity record instead of proxying (see packages/guest/src/gate/activity.mjs). */
const ACTIVITY_HEADER = 'X-Rockpool-Activity';
/** More than an activity answer ever holds: the body of anything else is not kept. */
const MAX_ACTIVITY_BODY = 256;

/**
 * GET `path` through the workspace's gate, with its secret, to code-server or (with `port`) to that
 * guest port: the status, and whether the gate answered it itself (nothing listens upstream).
 */
function throughGate(
  gate: GateEndpoint,
  path: string,
  timeoutMs: number,
  port?: number,
  activity = false,
): Promise<GateAnswer> {
  const colon = gate.address.lastIndexOf(':');
  const headers = {
    [GATE_SECRET_HEADER]: gate.secret,
    ...(port === undefined ? {} : { [GATE_PORT_HEADER]: String(port) }),
    ...(activity ? { [ACTIVITY_HEADER]: '1' } : {}),
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
        const status = res.statusCode ?? 0;
        const fromGate = res.headers[GATE_ERROR_HEADER.toLowerCase()] !== undefined;
        if (!activity) {
          res.resume();
          return resolve({ status, fromGate, body: '' });
        }
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
          if (body.length > MAX_ACTIVITY_BODY) res.destroy();
        });
        res.on('end', () => resolve({ status, fromGate, body }));
        res.on('close', () => resolve({ failure: 'the answer was cut off or too long' }));
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

/**
 * How long the workspace has been idle, as its gate counts it (ms), or why that is not known: a
 * gate from an image older than idle suspend proxies the query to code-server instead of answering.
 */
export async function gateIdleMs(
  gate: GateEndpoint,
  timeoutMs: number,
): Promise<{ idleMs: number } | { problem: string }> {
  const answer = await throughGate(gate, '/', timeoutMs, undefined, true);
  if ('failure' in answer) return { problem: answer.failure };
  try {
    const { idleMs } = JSON.parse(answer.body) as { idleMs?: unknown };
    if (answer.status === 200 && typeof idleMs === 'number' && idleMs >= 0) return { idleMs };
  } catch {
    // Not the gate's JSON: said below.
  }
  return {
    problem: `the gate does not report activity (it answered ${answer.status}; an older guest image?)`,
  };
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
  let attempt = 0;
  while (now() < deadline) {
    if (!stillWanted()) throw new Error('the workspace is no longer wanted');
    const problem = await ideProblem(gate, 3_000);
    if (!problem) return;
    lastProblem = problem;
    onTick?.();
    // Soon at first (a restored guest's IDE is a moment away, and every wait adds to its start),
    // then every 500 ms for a guest that is still booting.
    await sleep(Math.min(500, 20 * 2 ** attempt++));
  }
  throw new Error(
    `code-server did not answer through the gate at ${gate.address} within ${Math.round(timeoutMs / 1000)} s (last check: ${lastProblem})`,
  );
}
