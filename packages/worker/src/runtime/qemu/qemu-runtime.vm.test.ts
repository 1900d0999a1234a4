import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeVmRuntimeContract } from '../vm-runtime.contract.js';
import type { GateEndpoint } from '../vm-runtime.js';
import { GATE_SECRET_COMMAND } from './qemu-gate.js';
import { QemuRuntime } from './qemu-runtime.js';
import { guestExec } from './qmp.js';
import { callRestoreAgent } from './restore-agent.js';

const imageDir = process.env.ROCKPOOL_GUEST_IMAGE;
if (!imageDir)
  throw new Error('ROCKPOOL_GUEST_IMAGE is not set: run scripts/build-guest-image.sh (scripts/test.sh does)');

/** Where the test says browsers reach the workspaces: VS Code's port links in the guest point there. */
/** The npm that scripts/guest/provision.sh installs from the registry. */
const NPM_VERSION = readFileSync(
  new URL('../../../../../scripts/guest/provision.sh', import.meta.url),
  'utf8',
).match(/^NPM_VERSION=(\S+)$/m)?.[1];

/** A QEMU runtime in a fresh state directory; `cleanup` kills by PID whatever is left, then removes it. */
function qemuRuntime() {
  const stateDir = mkdtempSync(join(tmpdir(), 'rockpool-qemu-'));
  const runtime = new QemuRuntime({
    imageDir: imageDir as string,
    stateDir,
  });
  return {
    runtime,
    stateDir,
    cleanup: async () => {
      for (const name of await runtime.list()) {
        const info = await runtime.inspect(name);
        if (info.pid) process.kill(info.pid, 'SIGKILL');
      }
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

describeVmRuntimeContract('qemu (real VMs)', async () => qemuRuntime(), { bootTimeoutMs: 180_000 });

/** A request (or WebSocket upgrade) to the gate's forward: its status and body; status 0 if it failed. */
function call(gate: GateEndpoint, path: string, headers: Record<string, string> = {}) {
  const [host, port] = gate.address.split(':');
  return new Promise<{ status: number; body: string }>((resolve) => {
    const req = request({ host, port: Number(port), path, headers, agent: false, timeout: 10_000 });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, body: '' });
    });
    req.on('error', (error) => resolve({ status: 0, body: error.message }));
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs / 1000} s`);
    await sleep(1_000);
  }
}

const UPGRADE = {
  connection: 'Upgrade',
  upgrade: 'websocket',
  'sec-websocket-version': '13',
  'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
};

/*
 * The guest's gate on a real VM: the one forward QEMU opens lets nothing in without the workspace's
 * secret, which the runtime installs through the guest agent and never puts on a command line.
 */
describe('the gate of a real QEMU guest', () => {
  const workspace = 'gatecheck';
  let ctx: ReturnType<typeof qemuRuntime>;
  let gate: GateEndpoint;

  beforeAll(async () => {
    ctx = qemuRuntime();
    const info = await ctx.runtime.start({ workspace, cpus: 2, memoryMiB: 2048 });
    gate = info.gate as GateEndpoint;
    await until('code-server /healthz through the gate', 300_000, async () =>
      (await call(gate, '/healthz', { 'x-rockpool-gate': gate.secret })).status === 200 ? true : undefined,
    );
  }, 420_000);

  afterAll(async () => {
    await ctx?.runtime.delete(workspace).catch(() => undefined);
    await ctx?.cleanup();
  }, 120_000);

  it('keeps the secret 0600 on both sides and on no command line, guest or host', async () => {
    const { dir, gateSecret } = ctx.runtime.paths(workspace);
    expect(statSync(gateSecret).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(readFileSync(gateSecret, 'utf8').trim()).toBe(gate.secret);
    const mode = await ctx.runtime.exec(workspace, [
      '/usr/bin/stat',
      '-c',
      '%a %U',
      '/run/rockpool/gate-secret',
    ]);
    expect(mode.stdout.trim()).toBe('600 root');
    // The guest's scan reads the secret from its file and matches with the shell's own `case`, so
    // no command of the scan carries it; the same scan must find qemu-ga's command line, or it
    // proves nothing.
    const scan = (source: string) =>
      `s=${source}; for f in /proc/[0-9]*/cmdline; do c=$(tr "\\0" " " < "$f" 2>/dev/null); ` +
      'case "$c" in *"$s"*) echo "$f";; esac; done';
    expect((await ctx.runtime.exec(workspace, ['/bin/sh', '-c', scan('qemu-ga')])).stdout.trim()).not.toBe(
      '',
    );
    const inGuest = await ctx.runtime.exec(workspace, [
      '/bin/sh',
      '-c',
      scan('$(cat /run/rockpool/gate-secret)'),
    ]);
    expect(inGuest.stdout.trim()).toBe('');
    const cmdline = (pid: string) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      } catch {
        return ''; // the process ended meanwhile
      }
    };
    const onHost = readdirSync('/proc').filter(
      (pid) => /^\d+$/.test(pid) && cmdline(pid).includes(gate.secret),
    );
    expect(onHost).toEqual([]);
  });

  it('runs the restore agent as root, on a port only root can open: it answers, and refuses a bad request', async () => {
    const { restoreSocket } = ctx.runtime.paths(workspace);
    const { skewMs } = await callRestoreAgent(restoreSocket, () => ({ kind: 'ping' }), {
      timeoutMs: 10_000,
      now: Date.now,
    });
    // A cold boot takes its clock from the host's RTC (seconds), not from the agent.
    expect(Math.abs(skewMs)).toBeLessThan(5_000);
    const raw = (line: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = createConnection(restoreSocket, () => socket.write(`${line}\n`));
        socket.setEncoding('utf8');
        socket.once('data', (answer: string) => {
          socket.destroy();
          resolve(answer.trim());
        });
        socket.once('error', reject);
      });
    expect(await raw('5 resume 12 short')).toBe('5 error usage: resume HOST_NS SECRET');
    expect(await raw('6 reboot now')).toBe('6 error unknown command');
    expect(await raw(`7 restore 12 Bad;name ${'0'.repeat(32)} ${'ab'.repeat(32)} ${gate.secret}`)).toMatch(
      /^7 error usage: restore/,
    );
    // The secret is unchanged by the refused requests: the gate still takes it.
    expect((await call(gate, '/healthz', { 'x-rockpool-gate': gate.secret })).status).toBe(200);
    const owner = await ctx.runtime.exec(workspace, [
      '/bin/sh',
      '-c',
      // The name in two parts: this script's own command line must not match.
      'a=rockpool-restore; for p in /proc/[0-9]*; do case "$(tr "\\0" " " < $p/cmdline 2>/dev/null)" in *"$a-agent /dev/"*) ' +
        'stat -c %U $p; dev=$(tr "\\0" " " < $p/cmdline | sed "s/ *$//; s/.* //"); stat -c "%a %U" $dev; ' +
        'runuser -u coder -- sh -c "exec 3<>$dev" 2>/dev/null && echo coder-opened || echo coder-refused;; esac; done',
    ]);
    expect(owner.stdout.trim().split('\n')).toEqual(['root', '600 root', 'coder-refused']);
  });

  it('refuses to install a secret that is too short', async () => {
    const { qgaSocket } = ctx.runtime.paths(workspace);
    const result = await guestExec(qgaSocket, [GATE_SECRET_COMMAND], { input: 'short' });
    expect(result.exitCode).toBe(2);
    expect((await call(gate, '/healthz', { 'x-rockpool-gate': gate.secret })).status).toBe(200);
  });

  it('refuses everything without the secret: no header, a wrong one, another local user, a rebinding page', async () => {
    expect((await call(gate, '/healthz')).status).toBe(403);
    expect((await call(gate, '/')).status).toBe(403);
    expect((await call(gate, '/', { 'x-rockpool-gate': 'x'.repeat(43) })).status).toBe(403);
    const asNobody = execFileSync('runuser', [
      '-u',
      'nobody',
      '--',
      'curl',
      '-s',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      `http://${gate.address}/healthz`,
    ]).toString();
    expect(asNobody).toBe('403');
    const port = gate.address.split(':')[1];
    const rebinding = { host: `rebind.example:${port}`, origin: `http://rebind.example:${port}` };
    expect((await call(gate, '/', { ...UPGRADE, ...rebinding })).status).toBe(403);
    expect((await call(gate, '/', { 'x-rockpool-port': '22' })).status).toBe(403);
  });

  it('with the secret, opens code-server, its WebSocket, and guest ports', async () => {
    expect((await call(gate, '/', { 'x-rockpool-gate': gate.secret })).status).toBe(302);
    const ws = await call(
      gate,
      `/?reconnectionToken=${randomBytes(8).toString('hex')}&reconnection=false&skipWebSocketFrames=false`,
      { ...UPGRADE, host: gate.address, origin: `http://${gate.address}`, 'x-rockpool-gate': gate.secret },
    );
    expect(ws.status).toBe(101);
    // An app as the user runs one: on guest loopback only.
    await ctx.runtime.exec(workspace, [
      '/bin/sh',
      '-c',
      'runuser -u coder -- sh -c \'nohup node -e "require(\\"http\\").createServer((q, s) => s.end(\\"app saw \\" + q.url)).listen(3000, \\"127.0.0.1\\")" >/dev/null 2>&1 &\'',
    ]);
    const appHeaders = { 'x-rockpool-gate': gate.secret, 'x-rockpool-port': '3000' };
    const app = await until('the guest app through the gate', 30_000, async () => {
      const answer = await call(gate, '/hello', appHeaders);
      return answer.status === 200 ? answer : undefined;
    });
    expect(app.body).toBe('app saw /hello');
    expect((await call(gate, '/', { 'x-rockpool-port': '3000' })).status).toBe(403);
    const nothing = await call(gate, '/', { 'x-rockpool-gate': gate.secret, 'x-rockpool-port': '3001' });
    expect(nothing.status).toBe(502);
  });

  it("runs Node and npm from the npm registry, never Debian's npm (issue 18, defect 1)", async () => {
    expect(NPM_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
    const sh = (script: string) => ctx.runtime.exec(workspace, ['/bin/sh', '-c', script]);
    // As the user's shells have it: a login shell of coder.
    const npm = await sh(
      'runuser -l coder -c \'command -v npm; npm --version; readlink -f "$(command -v npm)"\'',
    );
    expect(npm.stdout.trim().split('\n')).toEqual([
      '/usr/local/bin/npm',
      NPM_VERSION,
      '/usr/local/lib/node_modules/npm/bin/npm-cli.js',
    ]);
    const debian = await sh(
      'for p in npm nodejs; do dpkg -s $p >/dev/null 2>&1 && echo "$p is installed"; done; ls /usr/share/nodejs 2>&1',
    );
    expect(debian.stdout).not.toContain('is installed');
    expect(debian.stdout).toContain('No such file or directory');
  });

  it("turns off code-server's own port proxy and points VS Code's port links at Rockpool's port URLs (issue 14)", async () => {
    await ctx.runtime.exec(workspace, [
      '/bin/sh',
      '-c',
      'runuser -u coder -- sh -c \'nohup node -e "require(\\"http\\").createServer((q, s) => s.end(\\"app saw \\" + q.url)).listen(3002, \\"127.0.0.1\\")" >/dev/null 2>&1 &\'',
    ]);
    const withSecret = { 'x-rockpool-gate': gate.secret };
    await until('the guest app on port 3002 through the gate', 30_000, async () =>
      (await call(gate, '/', { ...withSecret, 'x-rockpool-port': '3002' })).status === 200 ? true : undefined,
    );
    // code-server's /proxy/{port}/ and /absproxy/{port}/ would reach it past Rockpool's port registry.
    for (const path of ['/proxy/3002/', '/absproxy/3002/', '/proxy/3002/x']) {
      const answer = await call(gate, path, withSecret);
      expect(answer.body, path).not.toContain('app saw');
      expect([403, 404], `${path}: ${answer.status} ${answer.body.slice(0, 200)}`).toContain(answer.status);
    }
    const environ = await ctx.runtime.exec(workspace, [
      '/bin/sh',
      '-c',
      'for p in $(pgrep -f code-server/out/node/entry.js); do tr "\\0" "\\n" < /proc/$p/environ | grep "^VSCODE_PROXY_URI="; done | sort -u',
    ]);
    // Relative: VS Code resolves it against its page, /workspace/{name}/, so a port link lands on
    // /workspace/{name}/port/{port}/ (in a guest restored from the snapshot as well).
    expect(environ.stdout.trim()).toBe('VSCODE_PROXY_URI=./port/{{port}}/');
    expect((await ctx.runtime.exec(workspace, ['/bin/cat', '/proc/sys/kernel/hostname'])).stdout.trim()).toBe(
      workspace,
    );
  });
});
