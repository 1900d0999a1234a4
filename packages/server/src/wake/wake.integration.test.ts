/**
 * Start on open through the real edge: the xcaddy-built Caddy's workspace routing, with table
 * entries as the worker writes them for sleeping workspaces, in front of the real server's wake
 * handler on its unix socket.
 */
import { randomBytes } from 'node:crypto';
import { type EdgeRequestOptions, edgeRequest, type TestEdge } from '@rockpool/caddy/testing';
import type { Stores } from '@rockpool/db';
import type { WorkspaceState } from '@rockpool/model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWakeStack, type WakeStack } from './wake.fixture.js';

let stack: WakeStack;
let edge: TestEdge;
let stores: Stores;
let wakeSocket: string;
const sleeping = (name: string, state: WorkspaceState, ports: number[] = []) =>
  stack.sleeping(name, state, ports);

beforeAll(async () => {
  stack = await startWakeStack({ workspaces: { mode: 'path', origin: 'http://configured.invalid:8081' } });
  ({ edge, stores, wakeSocket } = stack);
});
afterAll(() => stack?.close());

const send = (path: string, options: EdgeRequestOptions = {}) =>
  edgeRequest(`${edge.workspacesUrl}${path}`, {
    ...options,
    headers: { ...edge.authHeader(), ...options.headers },
  });
const HTML = { Accept: 'text/html,application/xhtml+xml' };
const UPGRADE = {
  Connection: 'Upgrade',
  Upgrade: 'websocket',
  'Sec-WebSocket-Version': '13',
  'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
};
const jobKinds = (id: string) => stores.jobs.pending(id).map((job) => job.kind);

describe('opening a sleeping workspace through the real edge', () => {
  it("answers the resuming page and queues one resume; the page's polls queue no more", async () => {
    const ws = await sleeping('alice', 'suspended');
    const res = await send('/workspace/alice/', { headers: HTML });
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('2');
    expect(res.headers['x-rockpool-waking']).toBe('alice');
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('<h1>Resuming alice…</h1>');
    expect(stores.workspaces.find('alice')?.state).toBe('starting');
    expect(jobKinds(ws.id)).toEqual(['start']);

    const again = await send('/workspace/alice/?folder=/home/coder', { headers: HTML });
    expect(again.status).toBe(503);
    expect(jobKinds(ws.id)).toEqual(['start']);
  });

  it('refuses a WebSocket upgrade with 503 and Retry-After, and does not start the workspace for it', async () => {
    const ws = await sleeping('bob', 'stopped');
    const res = await send('/workspace/bob/stable-1/ws', { headers: UPGRADE });
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('2');
    expect(stores.workspaces.find('bob')?.state).toBe('stopped');
    expect(jobKinds(ws.id)).toEqual([]);
  });

  it("does not start it for a tab's background fetches, only for a page opened or the waking page's poll", async () => {
    const ws = await sleeping('gina', 'suspended');
    const background = await send('/workspace/gina/stable-1/static/x.js', {
      headers: { 'Sec-Fetch-Mode': 'no-cors', 'Sec-Fetch-Dest': 'script' },
    });
    expect(background.status).toBe(503);
    expect(jobKinds(ws.id)).toEqual([]);
    const poll = await send('/workspace/gina/', {
      headers: { ...HTML, 'Sec-Fetch-Mode': 'cors', 'X-Rockpool-Wake': '1' },
    });
    expect(poll.status).toBe(503);
    expect(jobKinds(ws.id)).toEqual(['start']);

    const other = await sleeping('hank', 'suspended');
    await send('/workspace/hank/', { headers: { ...HTML, 'Sec-Fetch-Mode': 'navigate' } });
    expect(jobKinds(other.id)).toEqual(['start']);
  });

  it('starts a stopped workspace from a request to one of its ports, answering JSON to a non-browser', async () => {
    const ws = await sleeping('carol', 'stopped', [3000]);
    const res = await send('/workspace/carol/port/3000/api/items', {
      headers: { Accept: 'application/json' },
    });
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body)).toEqual({
      error: {
        code: 'workspace_waking',
        message: 'Starting carol… This page moves on by itself when the IDE answers.',
      },
    });
    expect(jobKinds(ws.id)).toEqual(['start']);
    // An unregistered port is still the edge's 404.
    expect((await send('/workspace/carol/port/3001/')).status).toBe(404);
  });

  it('still answers 404 for an unknown workspace, and for an entry without the right token', async () => {
    expect((await send('/workspace/nobody/', { headers: HTML })).status).toBe(404);
    const ws = stores.workspaces.insert({ name: 'dave', cpus: 1, memoryMiB: 512, owner: 'alice' });
    stores.workspaces.transition(ws.id, ['creating'], { state: 'suspended', phase: 'suspended' });
    await edge.router.putWorkspace({
      name: 'dave',
      upstream: `unix/${wakeSocket}`,
      gateSecret: randomBytes(32).toString('base64url'),
      owner: 'alice',
    });
    expect((await send('/workspace/dave/', { headers: HTML })).status).toBe(404);
    expect(stores.workspaces.find('dave')?.state).toBe('suspended');
  });

  it('wakes the workspace of the route, whatever prefix or token the client sent', async () => {
    const erin = await sleeping('erin', 'suspended');
    const frank = await sleeping('frank', 'suspended');
    const res = await send('/workspace/erin/', {
      headers: {
        ...HTML,
        'X-Forwarded-Prefix': '/workspace/frank',
        'X-Rockpool-Gate': stores.workspaces.wakeToken(frank.id) as string,
      },
    });
    expect(res.headers['x-rockpool-waking']).toBe('erin');
    expect(jobKinds(erin.id)).toEqual(['start']);
    expect(jobKinds(frank.id)).toEqual([]);
  });
});
