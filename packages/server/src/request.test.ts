import { createRoute } from '@hono/zod-openapi';
import { PortBodySchema } from '@rockpool/model';
import { describe, expect, it } from 'vitest';
import type { ApiError } from './errors.js';
import { newRouter, serve } from './request.js';
import { jsonBody } from './routes/responses.js';

/** A route that takes a JSON body (`POST /port`) and one that takes none (`POST /stop`). */
function routes() {
  const router = newRouter();
  router.onError((error, c) => c.json((error as ApiError).toJSON(), (error as ApiError).status));
  const port = createRoute({
    method: 'post',
    path: '/port',
    request: { body: jsonBody(PortBodySchema) },
    responses: { 200: { description: 'The port' } },
  });
  const stop = createRoute({ method: 'post', path: '/stop', responses: { 200: { description: 'Stopped' } } });
  serve(router, port, (c) => c.json(c.req.valid('json'), 200));
  serve(router, stop, (c) => c.json({ stopped: true }, 200));
  return router;
}

/** Over a socket a body always comes with its length (or chunked); `app.request` sends none of itself. */
const post = (path: string, body: string | Uint8Array | undefined, type?: string) =>
  routes().request(path, {
    method: 'POST',
    headers: {
      ...(type ? { 'Content-Type': type } : {}),
      ...(body === undefined ? {} : { 'Content-Length': String(new Blob([body]).size) }),
    },
    body: body ?? null,
  });

const codeOf = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;

describe('serve', () => {
  it.each(['application/json', 'application/json; charset=utf-8', 'Application/JSON;charset="UTF-8"'])(
    'reads a JSON body sent as %s',
    async (type) => {
      const res = await post('/port', '{"port":3000}', type);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ port: 3000, sharing: 'private' });
    },
  );

  it.each([
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/json; charset=latin1',
    'application/vnd.api+json',
    undefined,
  ])('refuses a body sent as %s with 415 unsupported_media_type', async (type) => {
    // A Uint8Array body gets no Content-Type of its own (a string would be text/plain).
    const res = await post('/port', new TextEncoder().encode('{"port":3000}'), type);
    expect(res.status).toBe(415);
    expect(await res.json()).toMatchObject({
      error: { code: 'unsupported_media_type', contentType: type ?? null },
    });
  });

  it('takes a bodiless action without a body, with or without a JSON Content-Type', async () => {
    expect((await post('/stop', undefined)).status).toBe(200);
    expect((await post('/stop', '', 'application/json')).status).toBe(200);
    expect((await post('/stop', '{}', 'application/json')).status).toBe(200);
  });

  it.each([
    ['an empty form', '', 'application/x-www-form-urlencoded'],
    ['a form', 'a=1', 'application/x-www-form-urlencoded'],
    ['text', 'stop', 'text/plain'],
    ['a body without a Content-Type', new TextEncoder().encode('{}'), undefined],
  ])('refuses a bodiless action with %s (415)', async (_what, body, type) => {
    const res = await post('/stop', body, type);
    expect(res.status).toBe(415);
    expect(await codeOf(res)).toBe('unsupported_media_type');
  });

  it("answers a bad body with the model rule's error, and malformed JSON with invalid_json", async () => {
    expect(await (await post('/port', '{"port":0}', 'application/json')).json()).toEqual({
      error: { code: 'invalid_port', message: 'Invalid port: port 0 is outside 1-65535.', field: 'port' },
    });
    const malformed = await post('/port', '{"port":', 'application/json');
    expect(malformed.status).toBe(400);
    expect(await codeOf(malformed)).toBe('invalid_json');
  });

  it('documents the body it reads itself, and the 413 and 415 of every state-changing route', () => {
    const doc = routes().getOpenAPI31Document({ openapi: '3.1.0', info: { title: 't', version: '1' } });
    expect(doc.paths?.['/port']?.post?.requestBody).toMatchObject({
      required: true,
      content: { 'application/json': { schema: { required: ['port'] } } },
    });
    for (const path of ['/port', '/stop'])
      expect(Object.keys(doc.paths?.[path]?.post?.responses ?? {})).toEqual(['200', '413', '415']);
  });
});
