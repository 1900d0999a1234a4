/**
 * Start on open in subdomain mode, through the real edge: srv1 routes by Host and strips no prefix,
 * so the wake handler finds the workspace by the Host the edge routed (the IDE's host or a port's).
 */
import { edgeRequest } from '@rockpool/caddy/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWakeStack, type WakeStack } from './wake.fixture.js';

const DOMAIN = 'ws.localhost';
let stack: WakeStack;

beforeAll(async () => {
  stack = await startWakeStack({
    workspaces: { mode: 'subdomain', scheme: 'http', domain: DOMAIN, port: 8081 },
    edge: { tls: { mode: 'off' }, access: { mode: 'all' }, workspaceDomain: DOMAIN },
  });
});
afterAll(() => stack?.close());

/** A suspended workspace of alice's, with its wake route in Caddy as the worker's route sync puts it. */
const suspended = (name: string, ports: number[] = []) => stack.sleeping(name, 'suspended', ports);

const send = (label: string, path: string) =>
  edgeRequest(`${stack.edge.workspacesUrl}${path}`, {
    headers: {
      ...stack.edge.authHeader(),
      Host: `${label}.${DOMAIN}:${new URL(stack.edge.workspacesUrl).port}`,
      Accept: 'text/html',
    },
  });
const jobKinds = (id: string) => stack.stores.jobs.pending(id).map((job) => job.kind);

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
