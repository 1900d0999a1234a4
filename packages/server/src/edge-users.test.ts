import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeartbeatStore, JobQueue, openDatabase, PortStore, UserStore, WorkspaceStore } from '@rockpool/db';
import { ensureClientCa, openP12 } from '@rockpool/pki';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from './app.js';
import { userRoles } from './auth/roles.js';
import { dataDirEdgeUsers } from './edge-users.js';
import { WorkspaceService } from './service.js';

let dir: string;
let app: ReturnType<typeof createApp>;
let close: () => void;

const setMode = (mode: string) =>
  writeFile(join(dir, 'rockpool.json'), JSON.stringify({ tls: { mode: 'self-signed' }, access: { mode } }));
const post = (name: string, body: unknown, as = 'admin') =>
  app.request(`/api/users/${name}/client-certificate`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Rockpool-User': as },
    body: JSON.stringify(body),
  });
const hash = '$2a$04$abcdefghijklmnopqrstuuNi8D1yq6jOkg5xBF5lIqcG6pfKyjOfG';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rockpool-users-'));
  const db = openDatabase(join(dir, 'rockpool.db'));
  close = () => db.close();
  const users = new UserStore(db, () => Date.UTC(2026, 0, 1));
  users.add({ name: 'admin', role: 'admin', passwordHash: hash });
  users.add({ name: 'alice', role: 'member', passwordHash: hash });
  const roles = userRoles(users, ['github.com/hubot']);
  await ensureClientCa(join(dir, 'tls'));
  app = createApp({
    service: new WorkspaceService({
      workspaces: new WorkspaceStore(db),
      ports: new PortStore(db),
      jobs: new JobQueue(db),
      heartbeats: new HeartbeatStore(db),
    }),
    limits: { defaultCpus: 1, maxCpus: 1, defaultMemoryMiB: 512, minMemoryMiB: 512, maxMemoryMiB: 512 },
    workspaces: { mode: 'path', origin: 'https://localhost:8443' },
    roles,
    edgeUsers: dataDirEdgeUsers(dir, { users, roles, githubAllowUsers: ['octocat', 'hubot'] }),
  });
});
afterAll(async () => {
  close();
  await rm(dir, { recursive: true, force: true });
});

describe('users and client certificates', () => {
  it('lists the edge users with their roles to an admin, and a member only themselves', async () => {
    await setMode('restrict-app');
    const listAs = async (user: string) =>
      (await app.request('/api/users', { headers: { 'X-Rockpool-User': user } })).json();
    const created = '2026-01-01T00:00:00.000Z';
    expect(await listAs('admin')).toEqual({
      items: [
        { name: 'admin', role: 'admin', source: 'basic', createdAt: created },
        { name: 'alice', role: 'member', source: 'basic', createdAt: created },
        { name: 'github.com/octocat', role: 'member', source: 'github', createdAt: null },
        { name: 'github.com/hubot', role: 'admin', source: 'github', createdAt: null },
      ],
      clientCertificates: false,
    });
    expect(await listAs('alice')).toEqual({
      items: [{ name: 'alice', role: 'member', source: 'basic', createdAt: created }],
      clientCertificates: false,
    });
    expect((await post('admin', { password: 'long enough' })).status).toBe(409);
  });

  it('issues a .p12 in mtls-app that opens with its password', async () => {
    await setMode('mtls-app');
    // A GitHub user is asked for by login; the certificate's CN is the identity the edge gives.
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

  it("gives a member their own certificate only: another user's answers as an unknown one", async () => {
    await setMode('mtls-app');
    expect((await post('alice', { password: 'long enough' }, 'alice')).status).toBe(200);
    const other = await post('admin', { password: 'long enough' }, 'alice');
    expect(other.status).toBe(404);
    expect(await other.json()).toEqual({ error: { code: 'not_found', message: 'No user named "admin".' } });
  });
});
