/**
 * Start on open in subdomain mode, through the real edge: srv1 routes by Host and strips no prefix,
 * so the wake handler finds the workspace by the Host the edge routed (the IDE's host or a port's).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { edgeRequest, startTestEdge, type TestEdge } from '@rockpool/caddy/testing';
import { type Db, openDatabase, type Stores, storesOf } from '@rockpool/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../server.js';

const DOMAIN = 'ws.localhost';
let dir: string;
let edge: TestEdge;
let server: RunningServer;
let db: Db;
let stores: Stores;
let wakeSocket: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rockpool-wake-subdomain-'));
  const socketPath = join(dir, 'server.sock');
  wakeSocket = join(dir, 'wake.sock');
  edge = await startTestEdge({
    controlPlaneUpstream: `unix/${socketPath}`,
    edge: { tls: { mode: 'off' }, access: { mode: 'all' }, workspaceDomain: DOMAIN },
  });
  server = await startServer({
    databaseFile: join(dir, 'rockpool.db'),
    socketPath,
    wakeSocket,
    limits: { defaultCpus: 1, maxCpus: 1, defaultMemoryMiB: 512, minMemoryMiB: 512, maxMemoryMiB: 512 },
    workspaces: { mode: 'subdomain', scheme: 'http', domain: DOMAIN, port: 8081 },
  });
  db = openDatabase(join(dir, 'rockpool.db'));
  stores = storesOf(db);
});
afterAll(async () => {
  db?.close();
  await server?.close();
  await edge?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A suspended workspace of alice's, with its wake route in Caddy as the worker's route sync puts it. */
async function suspended(name: string, ports: number[] = []) {
  const ws = stores.workspaces.insert({ name, cpus: 1, memoryMiB: 512, owner: 'alice' });
  stores.workspaces.transition(ws.id, ['creating'], { state: 'suspended', phase: 'suspended' });
  await edge.router.putWorkspace({
    name,
    upstream: `unix/${wakeSocket}`,
    gateSecret: stores.workspaces.wakeToken(ws.id) as string,
    owner: 'alice',
    ports: ports.map((port) => ({ port, sharing: 'private' as const })),
  });
  return ws;
}

const send = (label: string, path: string) =>
  edgeRequest(`${edge.workspacesUrl}${path}`, {
    headers: {
      ...edge.authHeader(),
      Host: `${label}.${DOMAIN}:${new URL(edge.workspacesUrl).port}`,
      Accept: 'text/html',
    },
  });
const jobKinds = (id: string) => stores.jobs.pending(id).map((job) => job.kind);

describe('opening a sleeping workspace by its host', () => {
  it("resumes it from its IDE's host, whatever the path", async () => {
    const ws = await suspended('alice');
    const res = await send('alice', '/?folder=/home/coder');
    expect(res.status).toBe(503);
    expect(res.headers['x-rockpool-waking']).toBe('alice');
    expect(res.body).toContain('<h1>Resuming alice…</h1>');
    expect(jobKinds(ws.id)).toEqual(['start']);
  });

  it("resumes it from a registered port's host; an unknown host stays the edge's 404", async () => {
    const ws = await suspended('carol', [3000]);
    const res = await send('3000--carol', '/api/items');
    expect(res.status).toBe(503);
    expect(res.headers['x-rockpool-waking']).toBe('carol');
    expect(jobKinds(ws.id)).toEqual(['start']);
    expect((await send('nobody', '/')).status).toBe(404);
  });
});
