import { MAX_API_BODY_BYTES } from '@rockpool/model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEdge, type TestEdge } from '../testing/edge-fixture.js';
import { edgeRequest } from '../testing/edge-request.js';

/* The edge's limit on API request bodies, with an upstream that answers without reading them. */
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

const forwarded = (path: string) => edge.controlPlane.requests.filter((r) => r.url === path);

describe('API request bodies at the edge', () => {
  it('forwards a body up to the limit', async () => {
    for (const chunked of [false, true]) {
      const path = `/api/workspaces?at-limit=${chunked}`;
      expect((await post(path, MAX_API_BODY_BYTES, chunked)).status).toBe(200);
      expect(forwarded(path)).toHaveLength(1);
    }
  });

  it.each([MAX_API_BODY_BYTES + 1, 10 * 1024 * 1024])(
    'refuses a declared %d-byte body with 413 body_too_large, never forwarding it',
    async (bytes) => {
      const path = `/api/workspaces?declared=${bytes}`;
      const res = await post(path, bytes, false);
      expect(res.status).toBe(413);
      expect(res.headers['content-type']).toBe('application/json');
      expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'body_too_large' } });
      expect(forwarded(path)).toEqual([]);
    },
  );

  it('cuts off a chunked body past the limit with 413 body_too_large', async () => {
    const res = await post('/api/workspaces?chunked', 10 * 1024 * 1024, true);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'body_too_large' } });
  });
});
