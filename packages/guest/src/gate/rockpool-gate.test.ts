import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fakeCodeServer, listen, send } from './fake-upstreams.js';
import { parseCommandLine } from './rockpool-gate.mjs';

// The program the guest image installs, run the way rockpool-init runs it.
const program = fileURLToPath(new URL('./rockpool-gate.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'rockpool-gate-cli-'));
const secret = randomBytes(32).toString('base64url');
const codeServer = fakeCodeServer();
const children: ChildProcess[] = [];

function run(args: string[]) {
  const child = spawn(process.execPath, [program, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  return { child, output: () => ({ stdout, stderr }) };
}

beforeAll(async () => {
  writeFileSync(join(dir, 'secret'), secret, { mode: 0o600 });
  await listen(codeServer.server, { host: '127.0.0.1', port: 0 });
});

afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.pid) process.kill(child.pid, 'SIGKILL');
  codeServer.server.closeAllConnections();
  codeServer.server.close();
  rmSync(dir, { recursive: true, force: true });
});

it('runs as a program: says where it listens, proxies with the secret, ends on SIGTERM', async () => {
  const address = codeServer.server.address();
  const upstream = typeof address === 'object' && address ? `127.0.0.1:${address.port}` : '';
  const gate = run([
    '--listen',
    '127.0.0.1:0',
    '--code-server',
    upstream,
    '--secret-file',
    join(dir, 'secret'),
  ]);
  let port = 0;
  while (!port) {
    await once(gate.child.stdout ?? gate.child, 'data');
    port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(gate.output().stdout)?.[1] ?? 0);
  }
  expect((await send(port, { path: '/healthz', headers: { 'x-rockpool-gate': secret } })).status).toBe(200);
  expect((await send(port, { path: '/healthz' })).status).toBe(403);
  expect(gate.output().stderr).toContain('secret installed');
  expect(gate.output().stderr).not.toContain(secret);
  gate.child.kill('SIGTERM');
  const [code] = await once(gate.child, 'exit');
  expect(code).toBe(0);
});

it.each([
  [['--listen', '127.0.0.1:0'], 'missing --code-server, --secret-file'],
  [['--listen', 'unix:/x', '--code-server', 'unix:/y', '--secret-file', '/z'], '--listen takes host:port'],
  [['--listen', '127.0.0.1:0', '--code-server', 'nowhere', '--secret-file', '/z'], 'expected host:port'],
])('exits 2 with a message for %j', async (args, message) => {
  const gate = run(args);
  const [code] = await once(gate.child, 'exit');
  expect(code).toBe(2);
  expect(gate.output().stderr).toContain(message);
});

it('parses a full command line', () => {
  expect(
    parseCommandLine([
      '--listen',
      '0.0.0.0:8080',
      '--code-server',
      'unix:/run/code-server/sock',
      '--secret-file',
      '/run/rockpool/gate-secret',
    ]),
  ).toEqual({
    listen: { host: '0.0.0.0', port: 8080 },
    codeServer: { socketPath: '/run/code-server/sock' },
    secretFile: '/run/rockpool/gate-secret',
  });
});
