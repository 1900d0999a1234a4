import { randomBytes, randomInt } from 'node:crypto';
import { createConnection } from 'node:net';
import { assertWorkspaceName } from '@rockpool/model';
import { RuntimeError } from '../vm-runtime.js';

/**
 * The guest's restore agent (scripts/guest/rockpool-restore-agent), on the virtio-serial port
 * `org.rockpool.restore.0`: a root process that runs from boot on and, at the host's request, makes
 * a guest restored from saved memory right again. It takes data, never a command, one line per
 * request; this module builds the lines (pure) and sends them (one connection per request).
 */
export const RESTORE_AGENT_PORT = 'org.rockpool.restore.0';

/** The gate's secret as the host makes it (base64url), and as the agent accepts it. */
const SECRET = /^[A-Za-z0-9_-]{32,4096}$/;

export type RestoreAgentRequest =
  | { kind: 'ping' }
  /** A guest resumed from its own memory: the clock, and the gate's new secret. */
  | { kind: 'resume'; hostNs: bigint; gateSecret: string }
  /**
   * A copy of the shared guest snapshot made a workspace's own: the clock, a credited RNG seed and
   * a reseed, the gate's secret, a new machine-id and the workspace's name.
   */
  | {
      kind: 'restore';
      hostNs: bigint;
      workspace: string;
      machineId: string;
      seed: Buffer;
      gateSecret: string;
    };

/** A `restore` request with fresh random identity (machine-id, a 64-byte RNG seed) from `random`. */
export function restoreRequest(
  workspace: string,
  gateSecret: string,
  hostNs: bigint,
  random: (bytes: number) => Buffer = randomBytes,
): RestoreAgentRequest {
  return {
    kind: 'restore',
    hostNs,
    workspace,
    machineId: random(16).toString('hex'),
    seed: random(64),
    gateSecret,
  };
}

/** The request's line without its id (the agent's words, space separated); throws on bad input. */
export function requestWords(request: RestoreAgentRequest): string[] {
  if (request.kind === 'ping') return ['ping'];
  if (!SECRET.test(request.gateSecret))
    throw new RuntimeError('vm_start_failed', 'the gate secret must be 32 to 4096 base64url characters');
  if (request.hostNs <= 0n) throw new RuntimeError('vm_start_failed', 'the host clock must be after 1970');
  if (request.kind === 'resume') return ['resume', String(request.hostNs), request.gateSecret];
  assertWorkspaceName(request.workspace);
  if (!/^[0-9a-f]{32}$/.test(request.machineId))
    throw new RuntimeError('vm_start_failed', 'a machine-id is 32 lower-case hex digits');
  if (request.seed.length < 32 || request.seed.length > 512)
    throw new RuntimeError('vm_start_failed', 'the RNG seed must be 32 to 512 bytes');
  return [
    'restore',
    String(request.hostNs),
    request.workspace,
    request.machineId,
    request.seed.toString('hex'),
    request.gateSecret,
  ];
}

/** The agent's answer to request `id` in `line`: its clock (ns) after the work, or its error; undefined if the line is another request's. */
export function parseAnswer(line: string, id: number): { guestNs: bigint } | { error: string } | undefined {
  const match = /^([0-9]+) (ok ([0-9]+)|error (.*))$/.exec(line);
  if (!match || Number(match[1]) !== id) return undefined;
  return match[3] !== undefined ? { guestNs: BigInt(match[3]) } : { error: match[4] ?? '' };
}

export interface AgentCallOptions {
  timeoutMs: number;
  /** The host's clock in ms since the epoch (Date.now), read as the request leaves. */
  now: () => number;
}

/**
 * Sends `request` to the restore agent on `socketPath` (QEMU's end of the port) and returns the
 * guest's clock after the work and the clock's remaining offset (host minus guest, ms); throws
 * with the agent's own words when it refuses, or when it does not answer in time (a guest without
 * the agent: an image older than it).
 */
export async function callRestoreAgent(
  socketPath: string,
  build: (hostNs: bigint) => RestoreAgentRequest,
  options: AgentCallOptions,
): Promise<{ guestNs: bigint; skewMs: number }> {
  const id = randomInt(1, 2 ** 31);
  return new Promise((resolve, reject) => {
    const socket = createConnection(socketPath);
    let buffer = '';
    const fail = (message: string) => {
      socket.destroy();
      reject(new RuntimeError('vm_start_failed', `the guest's restore agent: ${message}`));
    };
    const timer = setTimeout(
      () => fail(`no answer within ${options.timeoutMs / 1000} s (a guest image without the agent?)`),
      options.timeoutMs,
    );
    socket.setEncoding('utf8');
    socket.once('connect', () => {
      try {
        const hostNs = BigInt(Math.round(options.now() * 1e6));
        socket.write(`${id} ${requestWords(build(hostNs)).join(' ')}\n`);
      } catch (error) {
        clearTimeout(timer);
        socket.destroy();
        reject(error);
      }
    });
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      for (let end = buffer.indexOf('\n'); end >= 0; end = buffer.indexOf('\n')) {
        const answer = parseAnswer(buffer.slice(0, end), id);
        buffer = buffer.slice(end + 1);
        if (!answer) continue;
        clearTimeout(timer);
        socket.destroy();
        if ('error' in answer)
          return reject(
            new RuntimeError('vm_start_failed', `the guest's restore agent refused: ${answer.error}`),
          );
        // The guest read its clock as it answered, a moment before this: the offset is at most
        // this much (the guest's clock was set to the host's as the request left, so it lags by
        // the way there; the way back is added here).
        const receivedNs = BigInt(Math.round(options.now() * 1e6));
        return resolve({
          guestNs: answer.guestNs,
          skewMs: Number((receivedNs - answer.guestNs) / 1_000_000n),
        });
      }
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      fail(`cannot connect to ${socketPath} (${error.code ?? error.message})`);
    });
  });
}
