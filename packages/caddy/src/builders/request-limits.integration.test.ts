import { MAX_API_BODY_BYTES } from '@rockpool/model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEdge, type TestEdge } from '../testing/edge-fixture.js';
import { edgeRequest } from '../testing/edge-request.js';

/*
 * The edge's limit on API request bodies, in front of an upstream that reads every body. The
 * server's own limit, and both behind the real edge, are tested in @rockpool/server
 * (edge.integration.test.ts).
 */
let edge: TestEdge;
beforeAll(async () => {
  edge = await startTestEdge();
});
afterAll(() => edge?.close());

const post = (path: string, bytes: number, chunked: boolean) =>
  edgeRequest(`${edge.controlPlaneUrl}${path}`, {
    method: 'POST',
    body: Buffer.alloc(bytes, 'x'),
    headers: {
      ...edge.authHeader(),
      'Content-Type': 'application/json',
      ...(chunked ? { 'Transfer-Encoding': 'chunked' } : {}),
    },
  });

describe('API request bodies at the edge', () => {
  it.each([false, true])('forwards a body up to the limit (chunked: %s)', async (chunked) => {
    const path = `/api/workspaces?at-limit=${chunked}`;
    expect((await post(path, MAX_API_BODY_BYTES, chunked)).status).toBe(200);
    expect(edge.controlPlane.requests.filter((r) => r.url === path).map((r) => r.bodyBytes)).toEqual([
      MAX_API_BODY_BYTES,
    ]);
  });

  it.each([false, true])('cuts off a longer body with 413 body_too_large (chunked: %s)', async (chunked) => {
    const path = `/api/workspaces?over-limit=${chunked}`;
    const res = await post(path, 10 * 1024 * 1024, chunked);
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toBe('application/json');
    expect(JSON.parse(res.body)).toEqual({
      error: { code: 'body_too_large', message: 'The request body is larger than the API accepts (64 KiB).' },
    });
    for (const seen of edge.controlPlane.requests.filter((r) => r.url === path))
      expect(seen.bodyBytes).toBeLessThanOrEqual(MAX_API_BODY_BYTES);
  });
});
