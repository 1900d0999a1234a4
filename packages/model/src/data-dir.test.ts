import { describe, expect, it } from 'vitest';
import { dataDirLayout } from './data-dir.js';

describe('dataDirLayout', () => {
  it('names every file where the stack and the edge expect it', () => {
    const layout = dataDirLayout('/var/lib/rockpool');
    expect(layout).toMatchObject({
      database: '/var/lib/rockpool/rockpool.db',
      serverSocket: '/var/lib/rockpool/server.sock',
      serverPid: '/var/lib/rockpool/server.pid',
      wakeSocket: '/var/lib/rockpool/wake.sock',
      accessLogSocket: '/var/lib/rockpool/access-log.sock',
      config: '/var/lib/rockpool/rockpool.json',
      caddyAdminSocket: '/var/lib/rockpool/caddy/admin.sock',
      workerLog: '/var/lib/rockpool/logs/worker.log',
    });
  });

  it('keeps every path inside the data directory, each its own', () => {
    const paths = Object.values(dataDirLayout('/data'));
    for (const path of paths) expect(path.startsWith('/data')).toBe(true);
    expect(new Set(paths).size).toBe(paths.length);
  });
});
