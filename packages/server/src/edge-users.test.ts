import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeartbeatStore, JobQueue, openDatabase, PortStore, WorkspaceStore } from '@rockpool/db';
import { ensureClientCa, openP12 } from '@rockpool/pki';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from './app.js';
import { dataDirEdgeUsers } from './edge-users.js';
import { WorkspaceService } from './service.js';

let dir: string;
let app: ReturnType<typeof createApp>;
let close: () => void;

const setMode = (mode: string) =>
  writeFile(join(dir, 'rockpool.json'), JSON.stringify({ tls: { mode: 'self-signed' }, access: { mode } }));
const post = (name: string, body: unknown) =>
  app.request(`/api/users/${name}/client-certificate`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Rockpool-User': 'admin' },
    body: JSON.stringify(body),
  });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rockpool-users-'));
  const db = openDatabase(join(dir, 'rockpool.db'));
  close = () => db.close();
  await writeFile(join(dir, 'credentials.json'), JSON.stringify({ username: 'admin', passwordHash: 'x' }));
  await ensureClientCa(join(dir, 'tls'));
  app = createApp({
    service: new WorkspaceService({
      workspaces: new WorkspaceStore(db),
      ports: new PortStore(db),
      jobs: new JobQueue(db),
      heartbeats: new HeartbeatStore(db),
    }),
    limits: { defaultCpus: 1, maxCpus: 1, defaultMemoryMiB: 512, minMemoryMiB: 512, maxMemoryMiB: 512 },
    workspacePort: 8443,
    edgeUsers: dataDirEdgeUsers(dir, ['octocat']),
  });
});
afterAll(async () => {
  close();
  await rm(dir, { recursive: true, force: true });
});

describe('users and client certificates', () => {
  it('lists the edge users and says whether certificates can be issued', async () => {
    await setMode('restrict-app');
    expect(
      await (await app.request('/api/users', { headers: { 'X-Rockpool-User': 'admin' } })).json(),
    ).toEqual({
      items: [{ name: 'admin' }, { name: 'octocat' }],
      clientCertificates: false,
    });
    expect((await post('admin', { password: 'long enough' })).status).toBe(409);
  });

  it('issues a .p12 in mtls-app that opens with its password', async () => {
    await setMode('mtls-app');
    const res = await post('octocat', { password: 'long enough' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-pkcs12');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="octocat.p12"');
    const p12 = Buffer.from(await res.arrayBuffer());
    expect((await openP12(p12, 'long enough')).certificatePem).toContain('BEGIN CERTIFICATE');
  });

  it('refuses a short password and an unknown user with a clear error', async () => {
    await setMode('mtls-app');
    const short = await post('admin', { password: 'short' });
    expect(short.status).toBe(400);
    expect(await short.json()).toMatchObject({
      error: { code: 'invalid_password', message: expect.stringMatching(/at least 8/) },
    });
    expect((await post('mallory', { password: 'long enough' })).status).toBe(404);
  });
});
