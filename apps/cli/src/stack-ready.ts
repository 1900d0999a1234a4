import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { dataDirLayout } from '@rockpool/model/data-dir';
import { getFromServerSocket } from './server-socket.js';

export class StackNotReadyError extends Error {
  readonly code = 'stack_not_ready';
  constructor(message: string) {
    super(message);
    this.name = 'StackNotReadyError';
  }
}

/** What the control plane's /api/health says about the worker (packages/server, service.health). */
interface Health {
  worker?: { ok?: boolean; lastSeenMsAgo?: number; message?: string };
}

export interface WaitOptions {
  dataDir: string;
  /** When the worker was started: only a heartbeat after it counts (an old one may be in the database). */
  workerStartedAt: number;
  timeoutMs?: number;
  now?: () => number;
}

/**
 * Waits until the control plane answers /api/health on its socket and reports a worker heartbeat
 * newer than `workerStartedAt`, so that a request sent once `up` says "Rockpool is up" is served.
 * Throws StackNotReadyError naming what did not answer, and where its log is.
 */
export async function waitUntilReady(options: WaitOptions): Promise<void> {
  const { dataDir, workerStartedAt, timeoutMs = 120_000, now = Date.now } = options;
  const deadline = now() + timeoutMs;
  let waitingFor = 'the control plane to answer on its socket';
  for (;;) {
    const askedAt = now();
    const health = await getFromServerSocket(dataDirLayout(dataDir).serverSocket, '/api/health').catch(
      () => undefined,
    );
    if (health) {
      const worker = (health.body as Health).worker;
      // The server computed lastSeenMsAgo after askedAt, so askedAt - lastSeenMsAgo is no later than the beat.
      if (worker?.ok && askedAt - (worker.lastSeenMsAgo ?? Number.POSITIVE_INFINITY) >= workerStartedAt)
        return;
      waitingFor = `the worker to report (${worker?.message ?? 'no heartbeat since it started'})`;
    }
    if (now() > deadline) {
      const log = waitingFor.startsWith('the worker') ? 'worker.log' : 'server.log';
      throw new StackNotReadyError(
        `Rockpool did not come up within ${timeoutMs / 1000} s: still waiting for ${waitingFor}; see ${join(dataDirLayout(dataDir).logsDir, log)}`,
      );
    }
    await sleep(200);
  }
}
