import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { devEnvironment } from './commands/dev.js';
import { SettingsError } from './settings.js';
import { SOURCE_CONDITION, stackProcesses } from './stack-processes.js';

describe('stackProcesses', () => {
  it('runs the built entry points for rockpool up, without Vite', () => {
    const specs = stackProcesses(
      { kind: 'built', entryPoints: { server: '/s/main.js', worker: '/w/main.js' } },
      'node',
    );
    expect(specs.server).toEqual({ name: 'server', command: 'node', args: ['/s/main.js'] });
    expect(specs.worker.args).toEqual(['/w/main.js']);
    expect(specs.worker.stopTimeoutMs).toBe(120_000);
    expect(specs.vite).toBeUndefined();
  });

  it('runs the sources under tsx watch and Vite on loopback for rockpool dev', () => {
    const tools = { root: '/repo', tsx: '/repo/tsx/cli.mjs', vite: '/repo/vite/bin/vite.js' };
    const specs = stackProcesses({ kind: 'dev', tools, vitePort: 5199 }, 'node');
    expect(specs.server.args).toEqual([
      '/repo/tsx/cli.mjs',
      'watch',
      '--clear-screen=false',
      `--conditions=${SOURCE_CONDITION}`,
      '/repo/packages/server/src/main.ts',
    ]);
    expect(specs.worker.args.at(-1)).toBe('/repo/packages/worker/src/main.ts');
    expect(specs.vite).toMatchObject({
      cwd: '/repo/packages/spa',
      args: [
        '/repo/vite/bin/vite.js',
        '--host',
        '127.0.0.1',
        '--port',
        '5199',
        '--strictPort',
        '--clearScreen',
        'false',
      ],
    });
  });
});

describe('devEnvironment', () => {
  it('uses its own data dir and ports, whatever the real Rockpool exported', () => {
    const { env, vitePort } = devEnvironment(
      {
        ROCKPOOL_DATA_DIR: '/home/me/.local/share/rockpool',
        ROCKPOOL_CONTROL_PLANE_PORT: '8080',
        HOME: '/home/me',
      },
      '/repo',
    );
    expect(env.ROCKPOOL_DATA_DIR).toBe('/repo/.rockpool/dev');
    expect(env.ROCKPOOL_CONTROL_PLANE_PORT).toBe('8090');
    expect(env.ROCKPOOL_WORKSPACE_PORT).toBe('8091');
    expect(env.ROCKPOOL_LISTEN_HOST).toBe('127.0.0.1');
    expect(env.HOME).toBe('/home/me');
    expect(vitePort).toBe(5173);
  });

  it('takes ROCKPOOL_DEV_* and a rate-limit policy given by the user', () => {
    const { env, vitePort } = devEnvironment(
      {
        ROCKPOOL_DEV_DATA_DIR: '/tmp/dev',
        ROCKPOOL_DEV_CONTROL_PLANE_PORT: '9000',
        ROCKPOOL_DEV_WORKSPACE_PORT: '9001',
        ROCKPOOL_DEV_VITE_PORT: '9002',
        ROCKPOOL_RATE_LIMITS: '{}',
      },
      '/repo',
    );
    expect(env).toMatchObject({
      ROCKPOOL_DATA_DIR: '/tmp/dev',
      ROCKPOOL_CONTROL_PLANE_PORT: '9000',
      ROCKPOOL_WORKSPACE_PORT: '9001',
      ROCKPOOL_RATE_LIMITS: '{}',
    });
    expect(vitePort).toBe(9002);
  });

  it('names the variable of a bad port', () => {
    expect(() => devEnvironment({ ROCKPOOL_DEV_VITE_PORT: 'vite' }, '/repo')).toThrow(SettingsError);
    expect(() => devEnvironment({ ROCKPOOL_DEV_VITE_PORT: 'vite' }, '/repo')).toThrow(
      /ROCKPOOL_DEV_VITE_PORT/,
    );
  });
});

describe('rockpool-source', () => {
  // `rockpool dev` runs the server and the worker from their sources: every workspace package they
  // can load must point the `rockpool-source` condition at its sources, or dev loads a stale dist/.
  it('is an export condition of every entry point of every package', () => {
    const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
    const missing: string[] = [];
    for (const dir of readdirSync(join(root, 'packages'))) {
      const file = join(root, 'packages', dir, 'package.json');
      if (!existsSync(file)) continue;
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as {
        name: string;
        exports?: Record<string, Record<string, string> | string>;
      };
      for (const [entry, target] of Object.entries(manifest.exports ?? {})) {
        if (typeof target === 'string' || !entry.match(/^\.(\/|$)/) || entry.endsWith('.json')) continue;
        if (!target['rockpool-source']) missing.push(`${manifest.name} ${entry}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
