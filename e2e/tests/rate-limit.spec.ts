import { expect, test } from '../fixtures.js';

/**
 * The per-user read limit (600 a minute by default) answers 429 with Retry-After once exceeded.
 * This spec runs last (its own Playwright project): afterwards the e2e user is throttled for a minute.
 */
test('the rate limit answers 429 with Retry-After when exceeded', async ({ stack }) => {
  let limited: Awaited<ReturnType<typeof stack.api>> | undefined;
  let allowed = 0;
  for (let i = 0; i < 2_000 && !limited; i++) {
    const res = await stack.api('GET', '/api/workspaces?limit=1');
    if (res.status === 429) limited = res;
    else {
      expect(res.status).toBe(200);
      allowed++;
    }
  }
  if (!limited) throw new Error('2000 reads in a row were never rate limited');
  console.log(`429 after ${allowed} reads; Retry-After: ${limited.headers.get('Retry-After')} s`);
  expect(allowed).toBeGreaterThanOrEqual(100);
  const retryAfter = Number(limited.headers.get('Retry-After'));
  expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
  expect(limited.body).toMatchObject({ error: { code: 'rate_limited' } });
  expect(String((limited.body.error as { message: string }).message)).toContain(
    `retry after ${retryAfter} seconds`,
  );

  // The limit is the user's: the health check, keyed by client IP in its own zone, still answers.
  const health = await fetch(`${stack.controlPlane}/api/health`, { headers: { Connection: 'close' } });
  expect(health.status).toBe(200);
});
