import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestEdge, type TestEdge } from '@rockpool/caddy/testing';
import { AccessLogStore, type Db, openDatabase, type StoredAccessLogEntry } from '@rockpool/db';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AccessLogIngest, startAccessLogIngest } from './access-log-ingest.js';

let dir: string;
let db: Db;
let store: AccessLogStore;
let ingest: AccessLogIngest;
let edge: TestEdge | undefined;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rockpool-access-'));
  db = openDatabase(join(dir, 'rockpool.db'));
  store = new AccessLogStore(db);
  ingest = await startTestIngest();
});
afterEach(async () => {
  await edge?.close();
  edge = undefined;
  await ingest.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

async function entriesWhen(
  ready: (items: StoredAccessLogEntry[]) => boolean,
): Promise<StoredAccessLogEntry[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    ingest.flush();
    const items = store.query({ limit: 500 }).items;
    if (ready(items)) return items;
    if (Date.now() > deadline) throw new Error(`timed out; have ${JSON.stringify(items)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The control plane's side of the log socket, flushing every 50 ms. */
const startTestIngest = () =>
  startAccessLogIngest({
    socketPath: join(dir, 'access-log.sock'),
    store,
    retention: { maxRows: 1000, maxAgeMs: 86_400_000 },
    flushIntervalMs: 50,
  });

describe('access log ingestion', () => {
  it('listens on a 0600 socket, stores good lines and counts malformed ones', async () => {
    expect(statSync(ingest.socketPath).mode & 0o777).toBe(0o600);
    const line = JSON.stringify({
      ts: 1,
      logger: 'http.log.access.control-plane',
      status: 200,
      request: { method: 'GET', uri: '/x', host: 'h', remote_ip: '1.2.3.4', headers: {} },
    });
    const socket = connect(ingest.socketPath);
    await new Promise<void>((resolve) => socket.on('connect', resolve));
    // Split across writes, with garbage and an overlong line between good ones.
    socket.write(`${line.slice(0, 10)}`);
    socket.write(`${line.slice(10)}\nnot json\n${'x'.repeat(70_000)}\n${line}\n`);
    socket.end();
    const items = await entriesWhen((items) => items.length === 2);
    expect(items.map((e) => e.path)).toEqual(['/x', '/x']);
    expect(ingest.stats()).toEqual({ stored: 2, malformed: 2 });
  });

  it('stores requests through the real Caddy on srv0 and srv1 with user and status, never credentials', async () => {
    edge = await startTestEdge({ accessLogSocket: ingest.socketPath });
    const [alice, bob] = edge.users as [TestEdge['users'][0], TestEdge['users'][0]];
    const sent = [
      await fetch(`${edge.controlPlaneUrl}/api/workspaces?from=test`, {
        headers: { ...edge.authHeader(alice), Cookie: 'session=cookie-secret' },
      }),
      await fetch(`${edge.controlPlaneUrl}/api/me`, {
        headers: { Authorization: `Basic ${Buffer.from('alice:wrong-password').toString('base64')}` },
      }),
      await fetch(`${edge.workspacesUrl}/workspace/hello/port/3000/`, { headers: edge.authHeader(bob) }),
    ];
    expect(sent.map((r) => r.status)).toEqual([200, 401, 404]);
    const items = await entriesWhen((items) => items.length >= 3);
    const byPath = (path: string) => items.find((e) => e.path === path);
    expect(byPath('/api/workspaces?from=test')).toMatchObject({
      server: 'control-plane',
      method: 'GET',
      status: 200,
      userId: 'alice',
      remoteIp: '127.0.0.1',
      workspace: null,
    });
    expect(byPath('/api/me')).toMatchObject({ server: 'control-plane', status: 401, userId: null });
    expect(byPath('/workspace/hello/port/3000/')).toMatchObject({
      server: 'workspaces',
      status: 404,
      userId: 'bob',
      workspace: 'hello',
    });
    const rows = JSON.stringify(db.prepare('SELECT * FROM access_logs').all());
    for (const secret of [
      edge.authHeader(alice).Authorization,
      edge.authHeader(bob).Authorization,
      Buffer.from('alice:wrong-password').toString('base64'),
      'cookie-secret',
      alice.password,
    ])
      expect(rows).not.toContain(secret);
  });

  it('gets entries again after the control plane restarts (Caddy redials the socket)', async () => {
    edge = await startTestEdge({ accessLogSocket: ingest.socketPath });
    const started = edge;
    const send = (path: string) =>
      fetch(`${started.controlPlaneUrl}${path}`, { headers: started.authHeader() });
    await send('/before');
    await entriesWhen((items) => items.some((e) => e.path === '/before'));
    await ingest.close();
    ingest = await startTestIngest();
    // Caddy notices the broken connection on its next write, and redials at most every 10 s.
    const deadline = Date.now() + 25_000;
    for (let i = 0; ; i++) {
      await send(`/after-${i}`);
      await new Promise((r) => setTimeout(r, 200));
      ingest.flush();
      if (store.query({ limit: 500, pathPrefix: '/after-' }).items.length > 0) break;
      if (Date.now() > deadline) throw new Error('no entry arrived after the restart');
    }
  });

  it('lets Caddy start before the control plane listens (soft_start)', async () => {
    await ingest.close();
    rmSync(join(dir, 'access-log.sock'), { force: true });
    edge = await startTestEdge({ accessLogSocket: join(dir, 'access-log.sock') });
    const started = edge;
    ingest = await startTestIngest();
    const deadline = Date.now() + 25_000;
    for (let i = 0; ; i++) {
      await fetch(`${started.controlPlaneUrl}/late-${i}`, { headers: started.authHeader() });
      await new Promise((r) => setTimeout(r, 200));
      ingest.flush();
      if (store.query({ limit: 500, pathPrefix: '/late-' }).items.length > 0) break;
      if (Date.now() > deadline) throw new Error('no entry arrived once the socket was up');
    }
  });
});
