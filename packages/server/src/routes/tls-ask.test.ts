import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startServer } from '../server.js';
import { tlsAskRoutes } from './tls-ask.js';

const TOKEN = 'c0ffee'.repeat(11);
const DOMAIN_HEADER = { 'X-Rockpool-Workspace-Domain': 'ws.example.com' };

describe('GET /internal/tls-ask/{token}', () => {
  let dir: string;
  let tokenFile: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rockpool-tls-ask-route-'));
    tokenFile = join(dir, 'tls-ask-token');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const ask = (token: string, query: string, headers: Record<string, string> = DOMAIN_HEADER) =>
    tlsAskRoutes({
      tokenFile,
      lookups: { workspaceExists: (n) => n === 'alice', portRegistered: () => false },
    }).request(`/internal/tls-ask/${token}${query}`, { headers });

  it('allows an existing workspace host with the right token, read from the file at each ask', async () => {
    expect((await ask(TOKEN, '?domain=alice.ws.example.com')).status).toBe(403);
    await writeFile(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
    const res = await ask(TOKEN, '?domain=alice.ws.example.com');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ allow: true });
  });

  it('refuses a wrong token, a missing domain, an unknown host and a missing workspace domain', async () => {
    await writeFile(tokenFile, TOKEN, { mode: 0o600 });
    const wrong = await ask('0'.repeat(66), '?domain=alice.ws.example.com');
    expect(wrong.status).toBe(403);
    expect(await wrong.json()).toMatchObject({ error: { code: 'invalid_ask_token' } });
    const noDomain = await ask(TOKEN, '');
    expect(noDomain.status).toBe(400);
    expect(await noDomain.json()).toMatchObject({ error: { code: 'invalid_request' } });
    const unknown = await ask(TOKEN, '?domain=bob.ws.example.com');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: 'unknown_workspace' } });
    expect((await ask(TOKEN, '?domain=alice.ws.example.com', {})).status).toBe(403);
  });
});

describe('the ask route in the running server', () => {
  it('answers on the server socket with the database lookups, beside the API and not in its document', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rockpool-tls-ask-server-'));
    const socketPath = join(dir, 'server.sock');
    await writeFile(join(dir, 'tls-ask-token'), TOKEN, { mode: 0o600 });
    const server = await startServer({
      databaseFile: join(dir, 'rockpool.db'),
      socketPath,
      limits: { defaultCpus: 1, maxCpus: 1, defaultMemoryMiB: 512, minMemoryMiB: 512, maxMemoryMiB: 512 },
      workspaces: { mode: 'path', origin: 'http://localhost:8081' },
      tlsAskTokenFile: join(dir, 'tls-ask-token'),
    });
    const get = (path: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        request({ socketPath, path, headers: DOMAIN_HEADER }, (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => {
            body += chunk.toString();
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        })
          .on('error', reject)
          .end();
      });
    try {
      expect((await get(`/internal/tls-ask/${TOKEN}?domain=alice.ws.example.com`)).status).toBe(404);
      expect((await get(`/internal/tls-ask/${TOKEN}?domain=rockpool.example.com`)).status).toBe(403);
      const document = await get('/api/openapi.json');
      expect(document.status).toBe(200);
      expect(document.body).not.toContain('tls-ask');
    } finally {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
