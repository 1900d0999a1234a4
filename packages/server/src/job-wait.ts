import { setTimeout as sleep } from 'node:timers/promises';
import type { Job, JobQueue } from '@rockpool/db';
import { ApiError } from './errors.js';

/**
 * Waits for a job the worker runs; its failure becomes the API's answer (502 `worker_failed`),
 * and a worker that has not finished by `timeoutMs` a 504 `worker_timeout`.
 */
export async function awaitJob(
  jobs: Pick<JobQueue, 'get'>,
  job: Job,
  what: string,
  options: { timeoutMs: number; now: () => number },
): Promise<void> {
  const deadline = options.now() + options.timeoutMs;
  for (;;) {
    const current = jobs.get(job.id);
    if (current?.state === 'done') return;
    if (current?.state === 'failed')
      throw new ApiError(
        502,
        'worker_failed',
        `The worker failed ${what}: ${current.lastError ?? 'unknown error'}`,
      );
    if (options.now() > deadline)
      throw new ApiError(
        504,
        'worker_timeout',
        `The worker has not finished ${what} yet; check again shortly.`,
      );
    await sleep(50);
  }
}
