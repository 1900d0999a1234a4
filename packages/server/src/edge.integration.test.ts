/**
 * The API behind the real edge: the xcaddy-built Caddy with Rockpool's bootstrap config in front
 * of the real server on its unix socket, as `rockpool up` runs them. Requests go out with their
 * raw request line and headers (fetch would normalise both).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EdgeRequestOptions, edgeRequest, startTestEdge, type TestEdge } from '@rockpool/caddy/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from './server.js';

let dir: string;
let edge: TestEdge;
let server: RunningServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rockpool-edge-api-'));
  mkdirSync(join(dir, 'spa'));
  writeFileSync(join(dir, 'spa', 'index.html'), '<!doctype html><div id="root"></div>');
  const socketPath = join(dir, 'server.sock');
  // Caddy dials the socket only when a request comes.
  edge = await startTestEdge({
    controlPlaneUpstream: `unix/${socketPath}`,
    // More requests than the default per-user write limit (10/min) allows.
    rateLimits: { apiWrite: [{ window: '1m', maxEvents: 1000 }] },
  });
  server = await startServer({
    databaseFile: join(dir, 'rockpool.db'),
    socketPath,
    limits: { defaultCpus: 1, maxCpus: 1, defaultMemoryMiB: 512, minMemoryMiB: 512, maxMemoryMiB: 512 },
    // What the server was started with; the edge's own setting overrides it.
    workspaces: { mode: 'path', origin: 'http://configured.invalid:8081' },
    spaDir: join(dir, 'spa'),
  });
});
afterAll(async () => {
  await server?.close();
  await edge?.close();
  rmSync(dir, { recursive: true, force: true });
});

const send = async (path: string, options: EdgeRequestOptions = {}) => {
  const res = await edgeRequest(`${edge.controlPlaneUrl}${path}`, {
    ...options,
    rawPath: path,
    headers: { ...edge.authHeader(), ...options.headers },
  });
  return {
    ...res,
    json: () => JSON.parse(res.body) as { error: { code: string } } & Record<string, unknown>,
  };
};
const JSON_TYPE = { 'Content-Type': 'application/json' };
const names = async () =>
  ((await send('/api/workspaces')).json().items as { name: string }[]).map((w) => w.name);

describe('the API behind the real edge', () => {
  it('answers a malformed path to the dashboard with 400 invalid_path', async () => {
    for (const path of ['/app/%E0', '/app/assets/%C3%28.js']) {
      const res = await send(path);
      expect(res.status, path).toBe(400);
      expect(res.json().error.code).toBe('invalid_path');
    }
    expect((await send('/app/workspaces')).status).toBe(200);
  });

  it('refuses bodies over 64 KiB with 413 body_too_large, declared or chunked, and creates nothing', async () => {
    const body = (bytes: number) => JSON.stringify({ name: 'big', pad: 'x'.repeat(bytes) });
    // A declared length is refused by the server before it reads the body; Caddy then closes the
    // connection with the rest unread. A client still sending megabytes may see that reset before
    // the 413 (10 MiB did, in most runs here); this body is small enough to be buffered whole.
    const declared = await send('/api/workspaces', {
      method: 'POST',
      body: body(200 * 1024),
      headers: JSON_TYPE,
    });
    // A chunked body is cut off by the edge at 64 KiB, however long it is.
    const chunked = await send('/api/workspaces', {
      method: 'POST',
      body: body(10 * 1024 * 1024),
      headers: { ...JSON_TYPE, 'Transfer-Encoding': 'chunked' },
    });
    for (const res of [declared, chunked]) {
      expect(res.status).toBe(413);
      expect(res.json().error.code).toBe('body_too_large');
    }
    expect(await names()).not.toContain('big');
  });

  it('requires JSON bodies declared as application/json (415), and takes bodiless actions as curl sends them', async () => {
    const asText = await send('/api/workspaces', {
      method: 'POST',
      body: '{"name":"as-text"}',
      headers: { 'Content-Type': 'text/plain' },
    });
    expect(asText.status).toBe(415);
    expect(asText.json().error.code).toBe('unsupported_media_type');
    expect(await names()).not.toContain('as-text');

    const created = await send('/api/workspaces', {
      method: 'POST',
      body: '{"name":"formed"}',
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
    });
    expect(created.status).toBe(201);
    // A form's POST, even an empty one, is refused; `curl -X POST` (no body, no type) reaches the action.
    const form = await send('/api/workspaces/formed/stop', {
      method: 'POST',
      body: '',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': '0' },
    });
    expect(form.status).toBe(415);
    const bare = await send('/api/workspaces/formed/stop', { method: 'POST' });
    expect(bare.json().error.code).toBe('invalid_state');
  });

  it("builds IDE and port links on the configured workspace origin, never the request's Host", async () => {
    const spoofed = {
      Host: 'evil.example:9',
      'X-Forwarded-Host': 'evil.example:9',
      'X-Forwarded-Proto': 'https',
    };
    const created = await send('/api/workspaces', {
      method: 'POST',
      body: '{"name":"spoofed"}',
      headers: { ...JSON_TYPE, ...spoofed, 'X-Rockpool-Workspaces-Origin': 'http://evil.example:9' },
    });
    expect(created.status).toBe(201);
    expect(created.json().ideUrl).toBe(`${edge.workspacesUrl}/workspace/spoofed/`);
    const port = await send('/api/workspaces/spoofed/ports', {
      method: 'POST',
      body: '{"port":3000}',
      headers: { ...JSON_TYPE, ...spoofed },
    });
    expect(port.json().url).toBe(`${edge.workspacesUrl}/workspace/spoofed/port/3000/`);
  });

  it('answers a wrong method with 405 and the Allow header of the path', async () => {
    const res = await send('/api/workspaces/spoofed', { method: 'PUT', body: '{}', headers: JSON_TYPE });
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD, PATCH, DELETE');
    expect(res.json().error.code).toBe('method_not_allowed');
    expect((await send('/api/nothing-here', { method: 'PUT' })).status).toBe(404);
  });
});
