import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Stores } from '@rockpool/db';
import { beforeEach, describe, expect, it } from 'vitest';
import { createApp } from './app.js';
import { WorkspaceService } from './service.js';
import { spaHandler } from './static-files.js';
import { useTempDatabase } from './temp-database.fixture.js';

let dir: string;
let app: ReturnType<typeof createApp>;
let stores: Stores;

const temp = useTempDatabase('rockpool-events-');

beforeEach(() => {
  ({ dir, stores } = temp);
  mkdirSync(join(dir, 'spa', 'assets'), { recursive: true });
  writeFileSync(join(dir, 'spa', 'index.html'), '<!doctype html><div id="root"></div>');
  writeFileSync(join(dir, 'spa', 'assets', 'index-abc.js'), 'console.log(1)');
  app = createApp({
    service: new WorkspaceService(stores),
    limits: { defaultCpus: 1, maxCpus: 2, defaultMemoryMiB: 1024, minMemoryMiB: 512, maxMemoryMiB: 2048 },
    workspaces: { mode: 'path', origin: 'http://localhost:8081' },
    spa: spaHandler(join(dir, 'spa')),
    eventIntervalMs: 20,
  });
});

/** Reads server-sent events from a streaming response, one at a time. */
function sseReader(res: Response) {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  let buffer = '';
  return async (): Promise<{ event: string; data: Record<string, unknown> }> => {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
        const data = JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? '{}') as Record<string, unknown>;
        if (event !== 'ping') return { event, data };
        continue;
      }
      const { value, done } = await reader.read();
      if (done) throw new Error('stream ended');
      buffer += new TextDecoder().decode(value);
    }
  };
}

describe('GET /api/events', () => {
  it('sends a snapshot, then each change as it happens', async () => {
    stores.workspaces.insert({ name: 'alice', cpus: 1, memoryMiB: 512, owner: 'x' });
    const controller = new AbortController();
    const res = await app.request('/api/events', {
      // The owner of these workspaces (a member sees their own).
      headers: { Host: 'localhost:8080', 'X-Rockpool-User': 'x' },
      signal: controller.signal,
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const next = sseReader(res);
    const snapshot = await next();
    expect(snapshot.event).toBe('snapshot');
    expect((snapshot.data.workspaces as { name: string }[]).map((w) => w.name)).toEqual(['alice']);

    const bob = stores.workspaces.insert({ name: 'bob', cpus: 1, memoryMiB: 512, owner: 'x' });
    const created = await next();
    expect(created).toMatchObject({
      event: 'workspace',
      data: { workspace: { name: 'bob', state: 'creating' } },
    });

    stores.workspaces.transition(bob.id, ['creating'], { state: 'running', phase: 'ready' });
    expect((await next()).data).toMatchObject({
      workspace: { name: 'bob', state: 'running', actions: ['suspend', 'stop', 'delete'] },
    });

    stores.ports.add(bob.id, 3000);
    expect((await next()).data).toMatchObject({
      workspace: { name: 'bob', ports: [{ port: 3000, listening: null }] },
    });
    stores.ports.setListening(bob.id, 3000, true);
    expect((await next()).data).toMatchObject({ workspace: { ports: [{ port: 3000, listening: true }] } });

    stores.workspaces.delete(bob.id);
    expect(await next()).toEqual({ event: 'removed', data: { type: 'removed', id: bob.id } });
    controller.abort();
    await new Promise((resolve) => setTimeout(resolve, 50));
  });
});

describe('the dashboard files', () => {
  it('serves index.html for client routes, hashed assets cached for good, and nothing outside', async () => {
    const route = await app.request('/app/workspaces/alice');
    expect(route.status).toBe(200);
    expect(await route.text()).toContain('id="root"');
    expect(route.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const asset = await app.request('/app/assets/index-abc.js');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect(asset.headers.get('content-type')).toContain('javascript');
    expect((await app.request('/app/assets/missing.js')).status).toBe(404);
    expect((await app.request('/app/..%2f..%2frockpool.db')).status).toBe(404);
    expect((await app.request('/app')).status).toBe(308);
  });

  it.each(['/app/%E0', '/app/assets/%C3%28.js', '/app/%25%E0'])(
    'answers the malformed path %s with 400 invalid_path',
    async (path) => {
      const res = await app.request(path);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: 'invalid_path' } });
    },
  );

  it('serves a file whose name holds an escaped percent sign', async () => {
    writeFileSync(join(dir, 'spa', 'assets', '100%.js'), 'ok');
    expect(await (await app.request('/app/assets/100%25.js')).text()).toBe('ok');
  });
});
