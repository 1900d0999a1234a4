import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { type CaddyProcess, startCaddy, WorkspaceRouter } from '@rockpool/caddy';
import {
  caddyBinaryForTests,
  edgeRequest,
  freePort,
  sessionCookieFor,
  startEchoUpstream,
  TEST_GATE_SECRET,
} from '@rockpool/caddy/testing';
import { dataDirLayout } from '@rockpool/model/data-dir';
import { openP12 } from '@rockpool/pki';
import { startServer } from '@rockpool/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { configFilePath, loadSettings } from '../config-file.js';
import { genClientCert } from './gen-client-cert.js';
import { type CommandIo, init } from './init.js';
import { reconfigure } from './reconfigure.js';
import { readStatus } from './status.js';
import { renderCaddyConfig } from './up.js';

const PASSWORD = 'correct horse battery staple';

/**
 * A session for the first admin, as the sign-in would issue it (no server runs here): signed with
 * the key `rockpool up` keeps in the data dir, for the hash the users table holds.
 */
async function adminSession(dataDir: string): Promise<Record<string, string>> {
  const layout = dataDirLayout(dataDir);
  const { username, passwordHash } = JSON.parse(await readFile(layout.credentials, 'utf8'));
  const signingKey = (await readFile(layout.sessionSigningKey, 'utf8')).trim();
  return { Cookie: sessionCookieFor({ username, passwordHash }, { signingKey }) };
}

function io(env: NodeJS.ProcessEnv, answers?: string[]): CommandIo & { text(): string } {
  const input = new PassThrough();
  if (answers) input.end(`${answers.join('\n')}\n`);
  const output = new PassThrough();
  let text = '';
  output.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  return { env, input, output, interactive: answers !== undefined, text: () => text };
}

async function tempEnv(): Promise<NodeJS.ProcessEnv> {
  return {
    PATH: process.env.PATH,
    ROCKPOOL_DATA_DIR: await mkdtemp(join(tmpdir(), 'rockpool-cli-')),
    ROCKPOOL_CADDY_BIN: caddyBinaryForTests(),
    CADDY_PASSWORD: PASSWORD,
  };
}

describe('rockpool init', () => {
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    env = await tempEnv();
  });
  afterAll(() => rm(env.ROCKPOOL_DATA_DIR as string, { recursive: true, force: true }));

  it('refuses an invalid CIDR or an unknown mode and writes nothing', async () => {
    await expect(init(['--access', 'restrict-app', '--allow', '10.0.0.0/33'], io(env))).rejects.toThrow(
      /allow list: "10.0.0.0\/33" has an invalid prefix length/,
    );
    await expect(init(['--tls', 'sometimes'], io(env))).rejects.toThrow(/unknown TLS mode "sometimes"/);
    await expect(init(['--access', 'mtls-app'], io(env))).rejects.toThrow(/mtls-app needs TLS/);
    await expect(
      init(['--tls', 'custom', '--cert', '/nope.crt', '--key', '/nope.key'], io(env)),
    ).rejects.toThrow(/cannot read the certificate file \/nope.crt/);
    await expect(stat(configFilePath(env.ROCKPOOL_DATA_DIR as string))).rejects.toThrow(/ENOENT/);
  });

  it('asks what the flags did not say, and writes a 0600 config with the answers', async () => {
    const session = io(env, ['self-signed', 'mtls-app', '', '0.0.0.0']);
    expect(await init(['--http-port', '8088'], session)).toBe(0);
    expect(session.text()).toContain('TLS mode (off, acme, self-signed, custom)');
    const file = configFilePath(env.ROCKPOOL_DATA_DIR as string);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({
      listenHost: '0.0.0.0',
      ports: { controlPlane: 443, workspaces: 8443, http: 8088 },
      tls: { mode: 'self-signed' },
      access: { mode: 'mtls-app', allow: [], trustedProxies: [] },
    });
    // mtls-app made a client CA and an admin.p12 whose password is in a 0600 file.
    const p12 = join(env.ROCKPOOL_DATA_DIR as string, 'client-certs', 'admin.p12');
    const password = (await readFile(`${p12}.password`, 'utf8')).trim();
    expect((await openP12(await readFile(p12), password)).certificatePem).toContain('BEGIN CERTIFICATE');
    await expect(init([], io(env))).rejects.toThrow(/already exists: use `rockpool reconfigure`/);
  });

  it('gen-client-cert writes a .p12 for a user; a wrong password does not open it', async () => {
    const dir = join(env.ROCKPOOL_DATA_DIR as string, 'out');
    const session = io(env);
    expect(
      await genClientCert(['--name', 'alice', '--password', 'alice-p12-pass', '--dir', dir], session),
    ).toBe(0);
    const p12 = await readFile(join(dir, 'alice.p12'));
    expect((await openP12(p12, 'alice-p12-pass')).certificatePem).toContain('BEGIN CERTIFICATE');
    await expect(openP12(p12, 'wrong-password')).rejects.toMatchObject({ code: 'wrong_p12_password' });
    await expect(genClientCert(['--name', 'bob', '--password', 'short'], io(env))).rejects.toThrow(
      /at least 8/,
    );
  });

  it('gen-client-cert explains that mTLS is not set up yet', async () => {
    const fresh = await tempEnv();
    try {
      await expect(genClientCert(['--name', 'a', '--password', 'long-enough'], io(fresh))).rejects.toThrow(
        /no client CA .* --access mtls-app/,
      );
    } finally {
      await rm(fresh.ROCKPOOL_DATA_DIR as string, { recursive: true, force: true });
    }
  });
});

describe('rockpool reconfigure and status with a running Caddy', () => {
  let env: NodeJS.ProcessEnv;
  let caddy: CaddyProcess;
  let ide: Awaited<ReturnType<typeof startEchoUpstream>>;
  let cp: string;
  let ws: string;
  /** The workspace server takes no password: a browser's session. */
  let auth: Record<string, string>;

  beforeAll(async () => {
    env = await tempEnv();
    env.ROCKPOOL_CONTROL_PLANE_PORT = String(await freePort());
    env.ROCKPOOL_WORKSPACE_PORT = String(await freePort());
    env.ROCKPOOL_HTTP_PORT = String(await freePort());
    cp = `127.0.0.1:${env.ROCKPOOL_CONTROL_PLANE_PORT}`;
    ws = `127.0.0.1:${env.ROCKPOOL_WORKSPACE_PORT}`;
    // Path mode: these tests reach the workspace by path on 127.0.0.1 (the local default is subdomains).
    expect(await init(['--routing-mode', 'path'], io(env))).toBe(0);
    // What `rockpool up` starts, without the server and the worker.
    const settings = await loadSettings(env);
    const { config } = await renderCaddyConfig(settings, new PassThrough());
    caddy = await startCaddy({
      binary: settings.caddyBinary,
      dataDir: join(settings.dataDir, 'caddy'),
      config,
    });
    ide = await startEchoUpstream({ name: 'ide' });
    auth = await adminSession(env.ROCKPOOL_DATA_DIR as string);
    await new WorkspaceRouter(caddy.admin).putWorkspace({
      name: 'w',
      upstream: ide.address,
      gateSecret: TEST_GATE_SECRET,
      owner: settings.username,
    });
  });
  afterAll(async () => {
    await caddy?.stop();
    await ide?.close();
    await rm(env.ROCKPOOL_DATA_DIR as string, { recursive: true, force: true });
  });

  it('switches modes with a WebSocket open; the workspace route survives; bad input changes nothing', async () => {
    expect((await edgeRequest(`http://${ws}/workspace/w/`, { headers: auth })).status).toBe(200);
    const socket = new WebSocket(`ws://${ws}/workspace/w/`, { headers: auth });
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    let closed = false;
    socket.on('close', () => {
      closed = true;
    });
    const echo = (message: string) =>
      new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no echo of ${message}`)), 3000);
        socket.once('message', (data) => {
          clearTimeout(timer);
          resolve(data.toString());
        });
        socket.send(message);
      });

    // Only 10/8 may reach anything now: this client (127.0.0.1) is refused, the socket lives on.
    expect(await reconfigure(['--access', 'restrict-all', '--allow', '10.0.0.0/8'], io(env))).toBe(0);
    expect((await edgeRequest(`http://${ws}/workspace/w/`, { headers: auth })).status).toBe(403);
    expect((await edgeRequest(`http://${cp}/api/health`)).status).toBe(403);
    expect(await echo('after restrict-all')).toBe('after restrict-all');

    // Bad input: an invalid CIDR, a missing certificate. The file and the running config stay.
    const before = await readFile(configFilePath(env.ROCKPOOL_DATA_DIR as string), 'utf8');
    await expect(reconfigure(['--allow', '10.0.0.0/8,not-an-ip'], io(env))).rejects.toThrow(/"not-an-ip"/);
    await expect(
      reconfigure(['--tls', 'custom', '--cert', '/nope', '--key', '/nope'], io(env)),
    ).rejects.toThrow(/cannot read/);
    await expect(reconfigure(['--access', 'everyone'], io(env))).rejects.toThrow(/unknown access mode/);
    expect(await readFile(configFilePath(env.ROCKPOOL_DATA_DIR as string), 'utf8')).toBe(before);
    expect((await edgeRequest(`http://${ws}/workspace/w/`, { headers: auth })).status).toBe(403);

    // Allow this client again: the workspace route is still there.
    const session = io(env);
    expect(await reconfigure(['--allow', '127.0.0.1'], session)).toBe(0);
    expect(session.text()).toContain('kept 1 workspace route(s)');
    const res = await edgeRequest(`http://${ws}/workspace/w/`, { headers: auth });
    expect(res.status).toBe(200);
    expect(res.headers['x-upstream']).toBe('ide');

    // Now TLS on the same ports (the environment pins them): HTTPS with the generated certificate.
    expect(await reconfigure(['--tls', 'self-signed', '--access', 'all'], io(env))).toBe(0);
    const ca = await readFile(join(env.ROCKPOOL_DATA_DIR as string, 'tls', 'server.crt'));
    expect((await edgeRequest(`https://${ws}/workspace/w/`, { headers: auth, ca })).status).toBe(200);
    expect(await echo('after TLS')).toBe('after TLS');
    expect(closed).toBe(false);
    socket.close();
  });

  it('status reports the modes, the routed workspaces and the counts from the control plane', async () => {
    const dataDir = env.ROCKPOOL_DATA_DIR as string;
    expect(await readStatus(env)).not.toHaveProperty('workspaces');
    const server = await startServer({
      databaseFile: join(dataDir, 'rockpool.db'),
      socketPath: join(dataDir, 'server.sock'),
      limits: { defaultCpus: 1, maxCpus: 1, defaultMemoryMiB: 512, minMemoryMiB: 512, maxMemoryMiB: 512 },
      workspaces: { mode: 'path', origin: 'https://localhost:8443' },
    });
    try {
      await new Promise<void>((resolve, reject) => {
        const req = request(
          {
            socketPath: server.socketPath,
            path: '/api/workspaces',
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
          },
          (res) => (res.statusCode === 201 ? resolve() : reject(new Error(`create: ${res.statusCode}`))),
        );
        req.on('error', reject);
        req.end(JSON.stringify({ name: 'counted' }));
      });
      const s = await readStatus(env);
      expect(s).toMatchObject({
        running: true,
        tls: 'self-signed',
        access: 'all',
        workspaceRoutes: ['w'],
        workspaces: { total: 1, byState: { creating: 1 }, suspended: [], idle: [] },
      });
      // Links name a loopback-bound Rockpool `localhost`, as browsers do.
      expect(s.urls.workspaces).toBe(`https://${ws.replace('127.0.0.1', 'localhost')}`);
    } finally {
      await server.close();
    }
  });
});
