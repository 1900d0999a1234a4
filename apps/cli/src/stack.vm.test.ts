/**
 * The whole product on real parts: the xcaddy-built Caddy, the server and worker processes, SQLite,
 * and QEMU VMs booting the guest image with code-server. Slow under TCG (minutes), so it has its
 * own vitest project (`pnpm test:vm`); scripts/test.sh runs it.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { caddyBinaryForTests, edgeRequest, freePort, signInCookie } from '@rockpool/caddy/testing';
import { QemuRuntime } from '@rockpool/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningStack, up } from './commands/up.js';
import { applyConfigFlags } from './config-flags.js';
import { readSettings } from './settings.js';

const imageDir = process.env.ROCKPOOL_GUEST_IMAGE;
if (!imageDir)
  throw new Error('ROCKPOOL_GUEST_IMAGE is not set: run scripts/build-guest-image.sh (scripts/test.sh does)');

const PASSWORD = 'vm-test-password';
let dataDir: string;
let stack: RunningStack;
let api: string;
let workspaces: string;
let qemu: QemuRuntime;
const log: string[] = [];

const auth = {
  Authorization: `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}`,
  Connection: 'close',
};
const call = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${api}${path}`, {
    method,
    headers: { ...auth, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
};
/** The admin's browser session: the workspace server takes no password (signed in once, lazily). */
let session: string | undefined;
const sessionHeaders = async () => {
  session ??= await signInCookie(api, { username: 'admin', password: PASSWORD });
  return { Cookie: session, Connection: 'close' };
};
const ws = async (path: string) =>
  fetch(`${workspaces}${path}`, { headers: await sessionHeaders(), redirect: 'manual' });
/** Opens the IDE as a browser does: code-server redirects / to ./?folder=..., relative, so under the prefix. */
async function openIde(name: string): Promise<{ status: number; url: string; html: string }> {
  const first = await ws(`/workspace/${name}/`);
  if (first.status !== 302)
    return { status: first.status, url: `/workspace/${name}/`, html: await first.text() };
  const location = new URL(first.headers.get('location') ?? '', `${workspaces}/workspace/${name}/`);
  const page = await ws(`${location.pathname}${location.search}`);
  return { status: page.status, url: `${location.pathname}${location.search}`, html: await page.text() };
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${log.slice(-40).join('')}`);
    await sleep(1_000);
  }
}
const waitForState = (name: string, state: string, timeoutMs = 300_000) =>
  waitFor(`${name} to be ${state}`, timeoutMs, async () => {
    const { body } = await call('GET', `/api/workspaces/${name}`);
    if (body.state === 'error') throw new Error(`${name} failed: ${body.error}`);
    return body.state === state ? body : undefined;
  });

/** A test host outside this machine's own addresses, in a network namespace: proves guests have outbound network. */
function startOutsideHost(): { address: string; stop(): void } {
  const sh = (cmd: string) => execFileSync('sh', ['-c', cmd], { stdio: 'pipe' });
  sh('ip netns del rp-outside 2>/dev/null; ip link del rpo-host 2>/dev/null; true');
  sh('ip netns add rp-outside');
  sh('ip link add rpo-host type veth peer name rpo-ns');
  sh('ip link set rpo-ns netns rp-outside');
  sh('ip addr add 198.51.100.1/24 dev rpo-host && ip link set rpo-host up');
  sh('ip netns exec rp-outside ip addr add 198.51.100.2/24 dev rpo-ns');
  sh('ip netns exec rp-outside ip link set rpo-ns up && ip netns exec rp-outside ip link set lo up');
  const server = spawn(
    'ip',
    [
      'netns',
      'exec',
      'rp-outside',
      process.execPath,
      '-e',
      "require('http').createServer((q,s)=>s.end('outside')).listen(8000,'198.51.100.2')",
    ],
    { stdio: 'ignore' },
  );
  return {
    address: '198.51.100.2:8000',
    stop() {
      server.kill('SIGKILL');
      sh('ip netns del rp-outside 2>/dev/null; ip link del rpo-host 2>/dev/null; true');
    },
  };
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'rockpool-stack-'));
  const [cp, wp] = [await freePort(), await freePort()];
  api = `http://127.0.0.1:${cp}`;
  workspaces = `http://127.0.0.1:${wp}`;
  const settings = readSettings(
    {
      ...process.env,
      ROCKPOOL_DATA_DIR: dataDir,
      ROCKPOOL_CONTROL_PLANE_PORT: String(cp),
      ROCKPOOL_WORKSPACE_PORT: String(wp),
      ROCKPOOL_CADDY_BIN: caddyBinaryForTests(),
      CADDY_PASSWORD: PASSWORD,
      // Generous limits: this test makes many API calls on purpose.
      ROCKPOOL_RATE_LIMITS: JSON.stringify({ apiWrite: [{ window: '1m', maxEvents: 1000 }] }),
      // Path mode, explicitly: this test reaches workspaces by path on 127.0.0.1.
    },
    applyConfigFlags(undefined, { 'routing-mode': 'path' }),
  );
  const echo = { write: (line: string) => log.push(line) } as unknown as NodeJS.WritableStream;
  stack = await up(settings, echo);
  qemu = new QemuRuntime({ imageDir, stateDir: join(dataDir, 'vms') });
  await waitFor('the API to be healthy', 60_000, async () =>
    (await fetch(`${api}/api/health`)).status === 200 ? true : undefined,
  );
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  // Stop every VM this test started, by PID, even if the worker did not get to it.
  for (const name of await qemu.list()) {
    const info = await qemu.inspect(name);
    if (info.pid) process.kill(info.pid, 'SIGKILL');
  }
  rmSync(dataDir, { recursive: true, force: true });
}, 120_000);

describe('a workspace on a real VM behind the real Caddy', () => {
  it('is created, boots, and serves VS Code through Caddy', async () => {
    const created = await call('POST', '/api/workspaces', { name: 'alpha', cpus: 2, memoryMiB: 2048 });
    expect(created.status).toBe(201);
    const running = await waitForState('alpha', 'running');
    expect(running.phase).toBe('ready');
    const ide = await openIde('alpha');
    expect(ide.status).toBe(200);
    expect(ide.url).toMatch(/^\/workspace\/alpha\/\?folder=/);
    expect(ide.html).toMatch(/workbench/i);
    const vm = await qemu.inspect('alpha');
    expect(vm.state).toBe('running');
    const name = await qemu.exec('alpha', ['/bin/bash', '-lc', 'echo $ROCKPOOL_WORKSPACE_NAME']);
    expect(name.stdout.trim()).toBe('alpha');
  }, 360_000);

  it('forwards a registered port: 502 until an app listens, 200 while it does, 502 after', async () => {
    expect((await call('POST', '/api/workspaces/alpha/ports', { port: 3000 })).status).toBe(201);
    const before = await ws('/workspace/alpha/port/3000/');
    expect(before.status).toBe(502);
    expect(await before.text()).toContain('not listening yet');
    await qemu.exec('alpha', [
      '/bin/sh',
      '-c',
      "setsid /usr/local/bin/node -e \"require('http').createServer((q,s)=>s.end('app:'+q.url)).listen(3000)\" >/dev/null 2>&1 & echo $! > /tmp/app.pid",
    ]);
    const live = await waitFor('the app to answer', 30_000, async () => {
      const res = await ws('/workspace/alpha/port/3000/hello');
      return res.status === 200 ? res.text() : undefined;
    });
    expect(live).toBe('app:/hello');
    await qemu.exec('alpha', ['/bin/sh', '-c', 'kill $(cat /tmp/app.pid)']);
    await waitFor('502 after the app stops', 30_000, async () =>
      (await ws('/workspace/alpha/port/3000/')).status === 502 ? true : undefined,
    );
    expect((await ws('/workspace/alpha/port/4000/')).status).toBe(404);
  }, 120_000);

  it('keeps guests away from the host and each other, with outbound network', async () => {
    const outside = startOutsideHost();
    try {
      const wp = new URL(workspaces).port;
      const cp = new URL(api).port;
      const gateForward = (await qemu.inspect('alpha')).gate?.address.split(':')[1];
      const probe = async (url: string) =>
        (
          await qemu.exec('alpha', [
            '/bin/sh',
            '-c',
            `curl -s -m 5 -o /dev/null -w '%{http_code}' ${url}; echo " rc=$?"`,
          ])
        ).stdout;
      // Outbound: a host that is not this machine answers.
      expect(await probe(`http://${outside.address}/`)).toContain('200');
      // The host's loopback (control plane, workspace server, its own forwards) is refused.
      for (const url of [
        `http://10.0.2.2:${cp}/api/health`,
        `http://10.0.2.2:${wp}/`,
        `http://10.0.2.2:${gateForward}/healthz`,
      ])
        expect(await probe(url), url).toMatch(/^000 rc=(7|28)/);
      // Caddy's admin API is a unix socket: nothing answers on its default TCP port either.
      expect(readFileSync(join(dataDir, 'caddy', 'caddy.json'), 'utf8')).toContain('"listen": "unix/');
      expect(await probe('http://10.0.2.2:2019/config/')).toMatch(/^000 rc=(7|28)/);
    } finally {
      outside.stop();
    }
  }, 120_000);

  it('stops, and starts again when its IDE is opened', async () => {
    expect((await call('POST', '/api/workspaces/alpha/stop')).status).toBe(202);
    await waitForState('alpha', 'stopped', 60_000);
    expect((await qemu.inspect('alpha')).state).toBe('stopped');
    // Opening a stopped workspace starts it: the browser gets the waking page, not a 404. A page
    // load, as a browser sends it (Sec-Fetch-Mode: navigate; fetch() would say `cors`, which the
    // wake handler rightly takes for an old tab's background request and does not wake for).
    const opened = await edgeRequest(`${workspaces}/workspace/alpha/`, {
      headers: { ...(await sessionHeaders()), Accept: 'text/html', 'Sec-Fetch-Mode': 'navigate' },
    });
    expect(opened.status).toBe(503);
    expect(opened.body).toContain('Starting alpha…');
    await waitForState('alpha', 'running');
    expect((await openIde('alpha')).status).toBe(200);
    expect((await ws('/workspace/alpha/port/3000/')).status).toBe(502);
  }, 360_000);

  it('gets its routes back after Caddy is killed and restarted', async () => {
    const pid = stack.caddy().pid;
    process.kill(pid, 'SIGKILL');
    await waitFor('Caddy to be restarted', 30_000, async () =>
      stack.caddy().pid !== pid ? true : undefined,
    );
    await waitFor('the route to be reconciled', 60_000, async () =>
      (await openIde('alpha')).status === 200 ? true : undefined,
    );
    expect((await ws('/workspace/alpha/port/3000/')).status).toBe(502);
  }, 120_000);

  it('notices a VM that dies: the workspace shows error, its route is gone, start retries', async () => {
    const pid = (await qemu.inspect('alpha')).pid;
    expect(pid).toBeDefined();
    process.kill(pid as number, 'SIGKILL');
    const failed = await waitFor('alpha to show error', 60_000, async () => {
      const { body } = await call('GET', '/api/workspaces/alpha');
      return body.state === 'error' ? body : undefined;
    });
    expect(failed.error).toContain('stopped unexpectedly');
    expect((await ws('/workspace/alpha/')).status).toBe(404);
    expect((await call('POST', '/api/workspaces/alpha/start')).status).toBe(202);
    await waitForState('alpha', 'running');
    expect((await openIde('alpha')).status).toBe(200);
  }, 360_000);

  it('finishes provisioning after the worker is killed in the middle of it', async () => {
    expect((await call('POST', '/api/workspaces', { name: 'beta', cpus: 1, memoryMiB: 1536 })).status).toBe(
      201,
    );
    await waitFor('beta to be booting', 120_000, async () => {
      const { body } = await call('GET', '/api/workspaces/beta');
      return body.phase === 'vm_starting' || body.phase === 'ide_starting' ? true : undefined;
    });
    const pid = stack.worker.pid;
    if (pid) process.kill(pid, 'SIGKILL');
    await waitForState('beta', 'running', 420_000);
    expect((await openIde('beta')).status).toBe(200);
    expect((await openIde('alpha')).status).toBe(200);
  }, 480_000);

  it('deletes VMs, disks and routes', async () => {
    for (const name of ['alpha', 'beta'])
      expect((await call('DELETE', `/api/workspaces/${name}`)).status).toBe(202);
    for (const name of ['alpha', 'beta'])
      await waitFor(`${name} to be gone`, 120_000, async () =>
        (await call('GET', `/api/workspaces/${name}`)).status === 404 ? true : undefined,
      );
    expect(await qemu.list()).toEqual([]);
    expect((await ws('/workspace/alpha/')).status).toBe(404);
  }, 240_000);
});
