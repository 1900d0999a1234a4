import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEdge, type TestEdge } from '../testing/edge-fixture.js';

// Short windows so the test can watch a window pass.
const WINDOW = '3s';

let edge: TestEdge;
beforeAll(async () => {
  edge = await startTestEdge({
    rateLimits: {
      apiWrite: [{ window: WINDOW, maxEvents: 3 }],
      apiRead: [{ window: WINDOW, maxEvents: 6 }],
      workspace: [{ window: WINDOW, maxEvents: 4 }],
      clientIpControlPlane: [{ window: WINDOW, maxEvents: 40 }],
      clientIpWorkspaces: [{ window: WINDOW, maxEvents: 40 }],
      health: [{ window: WINDOW, maxEvents: 2 }],
    },
  });
});
afterAll(() => edge?.close());

const post = (user = edge.users[0]) =>
  fetch(`${edge.controlPlaneUrl}/api/workspaces`, {
    method: 'POST',
    headers: edge.authHeader(user),
    body: '{}',
  });

describe('rate limits on the real Caddy', () => {
  it('answers 429 with Retry-After once a user exceeds the write zone, per identity', async () => {
    const [alice, bob] = edge.users;
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await post(alice)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);

    const limited = await post(alice);
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(4);
    expect(await limited.json()).toMatchObject({
      error: { code: 'rate_limited', zone: `rockpool-api-write-${WINDOW}` },
    });

    // Another identity has its own counter; reads are a separate zone.
    expect((await post(bob)).status).toBe(200);
    expect(
      (await fetch(`${edge.controlPlaneUrl}/api/workspaces`, { headers: edge.authHeader(alice) })).status,
    ).toBe(200);

    await sleep(Number(retryAfter) * 1000 + 200);
    expect((await post(alice)).status).toBe(200);
  });

  it('limits workspace traffic per identity in its own zone', async () => {
    const statuses = [];
    for (let i = 0; i < 5; i++)
      statuses.push(
        (await fetch(`${edge.workspacesUrl}/workspace/x/`, { headers: edge.authHeader(edge.users[1]) }))
          .status,
      );
    expect(statuses).toEqual([404, 404, 404, 404, 429]);
  });

  it('limits the unauthenticated health endpoint per client IP', async () => {
    await sleep(3100);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await fetch(`${edge.controlPlaneUrl}/api/health`)).status);
    expect(statuses).toEqual([200, 200, 429]);
  });
});

describe('password guessing', () => {
  let guarded: TestEdge;
  beforeAll(async () => {
    guarded = await startTestEdge({ rateLimits: { clientIpControlPlane: [{ window: '1m', maxEvents: 5 }] } });
  });
  afterAll(() => guarded?.close());

  it('is cut off per client IP before credentials are even checked', async () => {
    const guess = (password: string) =>
      fetch(`${guarded.controlPlaneUrl}/api/workspaces`, {
        headers: { Authorization: `Basic ${Buffer.from(`alice:${password}`).toString('base64')}` },
      });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await guess(`guess-${i}`)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    // Even the right password is refused now: the guesser learns nothing more from this IP.
    const right = await guess(guarded.users[0]?.password ?? '');
    expect(right.status).toBe(429);
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
