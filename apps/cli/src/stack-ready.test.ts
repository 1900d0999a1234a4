import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StackNotReadyError, waitUntilReady } from './stack-ready.js';

let dataDir: string;
let server: Server | undefined;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'rockpool-ready-'));
});
afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
  rmSync(dataDir, { recursive: true, force: true });
});

/** A control plane on server.sock whose /api/health says this about the worker. */
async function controlPlane(worker: () => Record<string, unknown>): Promise<void> {
  server = createServer((_req, res) => {
    const body = worker();
    res.writeHead(body.ok ? 200 : 503, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ status: body.ok ? 'ok' : 'degraded', worker: body }));
  });
  await new Promise<void>((resolve) => server?.listen(join(dataDir, 'server.sock'), resolve));
}

describe('waitUntilReady', () => {
  it('returns once the worker has reported since it was started', async () => {
    let asked = 0;
    // The first answers carry a beat from before the start (an old worker's); then a fresh one.
    await controlPlane(() => ({ ok: true, lastSeenMsAgo: ++asked < 3 ? 60_000 : 0 }));
    await waitUntilReady({ dataDir, workerStartedAt: Date.now() - 1_000 });
    expect(asked).toBe(3);
  });

  it('names what did not answer, and its log', async () => {
    await expect(waitUntilReady({ dataDir, workerStartedAt: Date.now(), timeoutMs: 300 })).rejects.toThrow(
      new StackNotReadyError(
        `Rockpool did not come up within 0.3 s: still waiting for the control plane to answer on its socket; see ${join(dataDir, 'logs', 'server.log')}`,
      ),
    );
    await controlPlane(() => ({ ok: false, message: 'no worker has reported yet' }));
    await expect(waitUntilReady({ dataDir, workerStartedAt: Date.now(), timeoutMs: 300 })).rejects.toThrow(
      /still waiting for the worker to report \(no worker has reported yet\); see .*worker\.log$/,
    );
  });
});
