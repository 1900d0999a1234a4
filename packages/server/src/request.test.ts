import { createRoute } from '@hono/zod-openapi';
import { PortBodySchema } from '@rockpool/model';
import { describe, expect, it } from 'vitest';
import type { ApiError } from './errors.js';
import { newRouter, serve } from './request.js';
import { jsonBody } from './routes/responses.js';

function echoPort() {
  const router = newRouter();
  router.onError((error, c) => c.json((error as ApiError).toJSON(), (error as ApiError).status));
  const route = createRoute({
    method: 'post',
    path: '/port',
    request: { body: jsonBody(PortBodySchema) },
    responses: { 200: { description: 'The port' } },
  });
  serve(router, route, (c) => c.json(c.req.valid('json'), 200));
  return router;
}

describe('serve', () => {
  it.each(['application/json', 'text/plain', undefined])(
    'reads a JSON body sent as %s, as the API always has',
    async (type) => {
      const res = await echoPort().request('/port', {
        method: 'POST',
        headers: type ? { 'Content-Type': type } : {},
        body: '{"port":3000}',
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ port: 3000 });
    },
  );

  it("answers a bad body with the model rule's error, and malformed JSON with invalid_json", async () => {
    const post = (body: string) => echoPort().request('/port', { method: 'POST', body });
    expect(await (await post('{"port":0}')).json()).toEqual({
      error: { code: 'invalid_port', message: 'Invalid port: port 0 is outside 1-65535.', field: 'port' },
    });
    const malformed = await post('{"port":');
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: { code: string } }).error.code).toBe('invalid_json');
  });

  it('documents the body it reads itself', () => {
    const doc = echoPort().getOpenAPI31Document({ openapi: '3.1.0', info: { title: 't', version: '1' } });
    expect(doc.paths?.['/port']?.post?.requestBody).toMatchObject({
      required: true,
      content: { 'application/json': { schema: { required: ['port'] } } },
    });
  });
});
