#!/usr/bin/env node
// Proves the gate on a real QEMU VM, by hand, until the worker delivers the secret itself (then its
// VM contract takes this over): boots a workspace with the worker's QemuRuntime (built: pnpm build),
// and checks through the one host forward that nothing gets in without the secret, that the secret
// installed through the guest agent opens code-server and a guest port, and that another local user
// or a DNS-rebinding page gets nothing. Needs root (runs a request as `nobody`) and the guest image:
//   ROCKPOOL_GUEST_IMAGE=$(scripts/build-guest-image.sh) node packages/guest/vm/prove-gate-qemu.mjs
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { QemuRuntime } from '../../worker/dist/index.js';

const imageDir = process.env.ROCKPOOL_GUEST_IMAGE;
if (!imageDir) throw new Error('set ROCKPOOL_GUEST_IMAGE to the output of scripts/build-guest-image.sh');
const workspace = 'gateproof';
const stateDir = mkdtempSync(join(tmpdir(), 'rockpool-gate-vm-'));
const runtime = new QemuRuntime({ imageDir, stateDir });
const secret = randomBytes(32).toString('base64url');
const results = [];

/** One guest-agent guest-exec with `input` on stdin (the worker's guestExec has no stdin yet). */
function guestExecWithInput(socketPath, argv, input) {
  return new Promise((resolve, reject) => {
    const socket = createConnection(socketPath);
    const id = Math.floor(Math.random() * 2 ** 31);
    let buffer = '';
    let pid;
    const send = (message) => socket.write(`${JSON.stringify(message)}\n`);
    socket.on('connect', () => send({ execute: 'guest-sync', arguments: { id } }));
    socket.on('error', reject);
    socket.on('data', async (chunk) => {
      buffer += chunk;
      for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
        const reply = JSON.parse(buffer.slice(0, i));
        buffer = buffer.slice(i + 1);
        if (reply.error) return reject(new Error(reply.error.desc));
        if (reply.return === id) {
          const [path, ...arg] = argv;
          const inputData = Buffer.from(input).toString('base64');
          send({
            execute: 'guest-exec',
            arguments: { path, arg, 'input-data': inputData, 'capture-output': true },
          });
        } else if (reply.return?.pid !== undefined && pid === undefined) {
          pid = reply.return.pid;
          send({ execute: 'guest-exec-status', arguments: { pid } });
        } else if (reply.return && 'exited' in reply.return) {
          if (!reply.return.exited) {
            await sleep(100);
            send({ execute: 'guest-exec-status', arguments: { pid } });
            continue;
          }
          socket.destroy();
          const err = Buffer.from(reply.return['err-data'] ?? '', 'base64').toString();
          resolve({ exitCode: reply.return.exitcode, stderr: err });
        }
      }
    });
  });
}

/** GET (or a WebSocket upgrade) through the forward; resolves with the status and body. */
function call(port, path, headers = {}) {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, headers, agent: false, timeout: 10_000 });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode, body: '' });
    });
    req.on('error', (error) => resolve({ status: 0, body: error.message }));
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

async function until(what, timeoutMs, probe) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs / 1000} s`);
    await sleep(1000);
  }
}

function check(name, actual, expected) {
  const ok = actual === expected;
  results.push(ok);
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}: ${actual}${ok ? '' : ` (expected ${expected})`}`);
}

const started = Date.now();
try {
  await runtime.start({ workspace, cpus: 2, memoryMiB: 2048 });
  const info = await runtime.inspect(workspace);
  const port = Number(info.ide?.split(':')[1]);
  const qga = runtime.paths(workspace).qgaSocket;
  console.log(`VM ${workspace} runs as PID ${info.pid}; its one forward: ${info.ide}`);

  const before = await until('the gate answering', 180_000, async () => {
    const answer = await call(port, '/healthz', { 'x-rockpool-gate': secret });
    return answer.status ? answer : undefined;
  });
  console.log(`gate answered after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  check('before the secret is installed, even a request with it', before.status, 503);

  const installed = await guestExecWithInput(qga, ['/usr/local/sbin/rockpool-gate-secret'], secret);
  check('installing the secret through the guest agent (stdin) exits', installed.exitCode, 0);
  const mode = await runtime.exec(workspace, ['/usr/bin/stat', '-c', '%a %U', '/run/rockpool/gate-secret']);
  check('the secret file in the guest', mode.stdout.trim(), '600 root');
  // The secret must be on no command line. The guest's check reads it from the file and matches
  // with the shell's own `case`, so no command of the check carries it; the same check must find
  // qemu-ga's own command line, or it proves nothing.
  const scan = (source) =>
    `s=${source}; for f in /proc/[0-9]*/cmdline; do c=$(tr "\\0" " " < "$f" 2>/dev/null); ` +
    'case "$c" in *"$s"*) echo "$f";; esac; done';
  const control = await runtime.exec(workspace, ['/bin/sh', '-c', scan('qemu-ga')]);
  check('the command-line scan finds qemu-ga', control.stdout.trim() !== '', true);
  const inGuest = await runtime.exec(workspace, ['/bin/sh', '-c', scan('$(cat /run/rockpool/gate-secret)')]);
  check('guest command lines carrying the secret', inGuest.stdout.trim() || 'none', 'none');
  const cmdline = (pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      return ''; // the process ended meanwhile
    }
  };
  const onHost = readdirSync('/proc').filter((pid) => /^\d+$/.test(pid) && cmdline(pid).includes(secret));
  check('host command lines carrying the secret', onHost.join(' ') || 'none', 'none');
  const tooShort = await guestExecWithInput(qga, ['/usr/local/sbin/rockpool-gate-secret'], 'short');
  check('installing a too-short secret is refused with exit', tooShort.exitCode, 2);

  const healthy = await until('code-server /healthz through the gate', 300_000, async () => {
    const answer = await call(port, '/healthz', { 'x-rockpool-gate': secret });
    return answer.status === 200 ? answer : undefined;
  });
  console.log(`code-server healthy after ${((Date.now() - started) / 1000).toFixed(1)} s: ${healthy.body}`);
  check('with the secret, code-server /healthz', healthy.status, 200);
  check(
    'with the secret, / (workbench redirect)',
    (await call(port, '/', { 'x-rockpool-gate': secret })).status,
    302,
  );
  check('without the secret, /healthz', (await call(port, '/healthz')).status, 403);
  check('without the secret, /', (await call(port, '/')).status, 403);
  check('with a wrong secret', (await call(port, '/', { 'x-rockpool-gate': 'x'.repeat(43) })).status, 403);
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
    `http://127.0.0.1:${port}/healthz`,
  ]).toString();
  check('as user nobody with curl, /healthz', asNobody, '403');
  const upgrade = {
    connection: 'Upgrade',
    upgrade: 'websocket',
    'sec-websocket-version': '13',
    'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
  };
  const rebind = { host: `rebind.example:${port}`, origin: `http://rebind.example:${port}` };
  check(
    'a WebSocket upgrade from a DNS-rebinding page',
    (await call(port, '/', { ...upgrade, ...rebind })).status,
    403,
  );
  const ws = await call(
    port,
    `/?reconnectionToken=${randomBytes(8).toString('hex')}&reconnection=false&skipWebSocketFrames=false`,
    { ...upgrade, host: `127.0.0.1:${port}`, origin: `http://127.0.0.1:${port}`, 'x-rockpool-gate': secret },
  );
  check('a WebSocket upgrade to code-server with the secret', ws.status, 101);

  // An app in the guest, as the user runs one: on guest loopback only.
  await runtime.exec(workspace, [
    '/bin/sh',
    '-c',
    'runuser -u coder -- sh -c \'nohup node -e "require(\\"http\\").createServer((q, s) => s.end(\\"app saw \\" + q.url)).listen(3000, \\"127.0.0.1\\")" >/dev/null 2>&1 &\'',
  ]);
  const app = await until('the guest app', 30_000, async () => {
    const answer = await call(port, '/hello', { 'x-rockpool-gate': secret, 'x-rockpool-port': '3000' });
    return answer.status === 200 ? answer : undefined;
  });
  check('with the secret, X-Rockpool-Port 3000 reaches the guest app', app.body, 'app saw /hello');
  check(
    'without the secret, X-Rockpool-Port 3000',
    (await call(port, '/', { 'x-rockpool-port': '3000' })).status,
    403,
  );
  check(
    'with the secret, a port where nothing listens',
    (await call(port, '/', { 'x-rockpool-gate': secret, 'x-rockpool-port': '3001' })).status,
    502,
  );
  const listening = (await runtime.exec(workspace, ['/bin/sh', '-c', 'cat /proc/net/tcp /proc/net/tcp6']))
    .stdout;
  const open = listening
    .split('\n')
    .filter((line) => / 0A /.test(line))
    .map((line) => line.trim().split(/\s+/)[1]);
  console.log(`guest TCP listeners (hex addr:port): ${open.join(' ')}`);
} finally {
  const info = await runtime.inspect(workspace).catch(() => ({}));
  await runtime.stop(workspace).catch((error) => console.error(`stop: ${error.message}`));
  if (info.pid) {
    try {
      process.kill(info.pid, 0);
      process.kill(info.pid, 'SIGKILL');
      console.log(`killed QEMU ${info.pid}`);
    } catch {}
  }
  rmSync(stateDir, { recursive: true, force: true });
}
const failed = results.filter((ok) => !ok).length;
console.log(`${results.length - failed} of ${results.length} checks passed`);
process.exit(failed ? 1 : 0);
