/**
 * `rockpool up` with real processes: the xcaddy-built Caddy, the server and the worker (the tart
 * runtime with the fake tart, so no VM is needed), on a data dir of its own.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { edgeRequest } from '@rockpool/caddy/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from './stack.fixture.js';
import type { RunningStack } from './up.js';

const SECRETS = {
  CADDY_PASSWORD: 'up-test-password',
  GITHUB_OAUTH_CLIENT_SECRET: 'up-test-github-secret',
  ROCKPOOL_OAUTH_SIGNING_KEY: 'up-test-signing-key',
};
const auth = {
  Authorization: `Basic ${Buffer.from(`admin:${SECRETS.CADDY_PASSWORD}`).toString('base64')}`,
};

let running: TestStack | undefined;
let dataDir: string;
let cp: string;
let ws: string;
let stack: RunningStack | undefined;
const log: string[] = [];
const echo = new Writable({
  write(chunk: Buffer, _encoding, done) {
    log.push(chunk.toString());
    done();
  },
});

beforeAll(async () => {
  // What a user's shell has when running `rockpool up`: the secrets.
  running = await startTestStack({ name: 'up', shellEnv: SECRETS, echo });
  ({ dataDir, cp, ws, stack } = running);
});

afterAll(async () => {
  await running?.stop();
});

describe('rockpool up', () => {
  it('says it is up only once the control plane and the worker answer', async () => {
    // The first request after the banner, as a user's script sends it.
    const health = await fetch(`${cp}/api/health`);
    expect(health.status, log.join('')).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', worker: { ok: true, runtime: 'tart' } });
    const created = await fetch(`${cp}/api/workspaces`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'first' }),
    });
    expect(created.status, await created.clone().text()).toBe(201);
  });

  it.skipIf(process.platform !== 'linux')(
    'gives the server, the worker and Caddy no secret in their environment',
    () => {
      const environ = (pid: number | undefined) =>
        readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
      const processes = {
        server: environ(stack?.server.pid),
        worker: environ(stack?.worker.pid),
        caddy: environ(stack?.caddy().pid),
      };
      for (const [name, env] of Object.entries(processes)) {
        const leaked = env.filter(
          (entry) =>
            Object.keys(SECRETS).some((key) => entry.startsWith(`${key}=`)) ||
            Object.values(SECRETS).some((value) => entry.includes(value)),
        );
        expect(leaked, name).toEqual([]);
      }
      // What they do need still reaches them.
      expect(processes.worker).toContain('ROCKPOOL_RUNTIME=tart');
      expect(processes.server).toContain(`ROCKPOOL_DATA_DIR=${dataDir}`);
    },
  );

  it('builds IDE links on the configured workspace origin, whatever Host the request says', async () => {
    const res = await edgeRequest(`${cp}/api/workspaces/first`, {
      headers: { ...auth, Host: 'evil.example:9', 'X-Forwarded-Host': 'evil.example:9' },
    });
    expect(res.status, res.body).toBe(200);
    // Links name a loopback-bound Rockpool `localhost`, as browsers do, whatever the Host said.
    expect(JSON.parse(res.body).ideUrl).toBe(`${ws.replace('127.0.0.1', 'localhost')}/workspace/first/`);
  });

  it('keeps everything in the data dir private: files 0600, directories 0700', async () => {
    const offenders: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        const info = await lstat(path);
        if (info.isSymbolicLink()) continue;
        if ((info.mode & 0o077) !== 0) offenders.push(`${path} ${(info.mode & 0o777).toString(8)}`);
        if (info.isDirectory()) await walk(path);
      }
    };
    expect((statSync(dataDir).mode & 0o777).toString(8)).toBe('700');
    await walk(dataDir);
    expect(offenders).toEqual([]);
    for (const file of ['rockpool.db', 'rockpool.db-wal', 'rockpool.db-shm', 'server.pid'])
      expect((statSync(join(dataDir, file)).mode & 0o777).toString(8), file).toBe('600');
  });
});
