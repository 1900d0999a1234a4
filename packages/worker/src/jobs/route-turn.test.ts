import { describe, expect, it } from 'vitest';
import { RouteTurn, type RouteWrites } from './route-turn.js';

/** A promise and the function that settles it, for holding a turn open as long as a test wants. */
function deferred(): { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void } {
  let resolve: () => void = () => {};
  let reject: (error: Error) => void = () => {};
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A router that records each write as it begins. */
function recordingRouter(seen: string[]): RouteWrites {
  return {
    putWorkspace: async (route) => void seen.push(`put ${route.name}`),
    removeWorkspace: async (name) => {
      seen.push(`remove ${name}`);
      return true;
    },
    putPort: async (route) => void seen.push(`put ${route.workspace}:${route.port}`),
    removePort: async (name, port) => {
      seen.push(`remove ${name}:${port}`);
      return true;
    },
  };
}

describe('RouteTurn', () => {
  it('holds every write until the turn before it has settled, in the order they were asked for', async () => {
    const seen: string[] = [];
    const turn = new RouteTurn(recordingRouter(seen));
    const sync = deferred();
    const held = turn.take(async () => {
      seen.push('sync reads the database');
      await sync.promise;
      seen.push('sync writes');
    });
    const put = turn.writes.putPort({ workspace: 'alice', port: 3000 });
    const removed = turn.writes.removeWorkspace('bob');
    await Promise.resolve();
    expect(seen).toEqual(['sync reads the database']);
    sync.resolve();
    await Promise.all([held, put, removed]);
    expect(seen).toEqual(['sync reads the database', 'sync writes', 'put alice:3000', 'remove bob']);
    expect(await removed).toBe(true);
  });

  it('a failed turn rejects its own caller only; the next turn runs', async () => {
    const seen: string[] = [];
    const turn = new RouteTurn(recordingRouter(seen));
    const failing = deferred();
    const first = turn.take(() => failing.promise);
    const next = turn.writes.putWorkspace({
      name: 'alice',
      upstream: '127.0.0.1:1',
      gateSecret: 's'.repeat(43),
      owner: 'alice',
      ports: [],
    });
    failing.reject(new Error('Caddy said no'));
    await expect(first).rejects.toThrow('Caddy said no');
    await next;
    expect(seen).toEqual(['put alice']);
  });
});
