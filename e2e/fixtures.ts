import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { test as base, expect, type Page } from '@playwright/test';
import { signInCookie } from '@rockpool/caddy/testing';
import { dataDirLayout } from '@rockpool/model/data-dir';
import { QemuRuntime } from '@rockpool/worker';
import { resolveLocalhostNames } from './resolve-localhost.js';

// The stack lives at rockpool.localhost and *.ws.rockpool.localhost, as the browser reaches it.
resolveLocalhostNames();

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

export interface Stack {
  controlPlane: string;
  /** The parent of the workspaces' hosts (subdomain mode): `{name}.{domain}`, `{port}--{name}.{domain}`. */
  workspaceDomain: string;
  /** A workspace's IDE, at its own host. */
  ideUrl(name: string): string;
  /** A forwarded port of a workspace, at its own host. */
  portUrl(name: string, port: number): string;
  credentials: { username: string; password: string };
  /** Runs a command inside a workspace VM, as root (QEMU's guest agent, or ssh to a tart guest). */
  exec(workspace: string, command: string): Promise<{ exitCode: number; stdout: string }>;
  /** A request to the control plane with the user's credentials (basic auth, as the CLI sends). */
  api(method: string, path: string, body?: unknown): Promise<ApiResponse>;
  /** A GET of a workspace URL (IDE or port host) with the user's session (srv1 takes no password). */
  workspaceGet(url: string): Promise<{ status: number; text: string }>;
  /** `access_token=…`: the user's session from the control plane's sign-in, for a Cookie header. */
  session(): Promise<string>;
  screenshot(page: Page, name: string): Promise<void>;
}

const credentials = {
  username: process.env.CADDY_USERNAME ?? '',
  password: process.env.CADDY_PASSWORD ?? '',
};
const authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
const controlPlane = process.env.E2E_CONTROL_PLANE ?? '';
const workspaceDomain = process.env.E2E_WORKSPACE_DOMAIN ?? '';
const workspacePort = process.env.E2E_WORKSPACE_PORT ?? '';
const ideUrl = (name: string) => `http://${name}.${workspaceDomain}:${workspacePort}/`;
const portUrl = (name: string, port: number) =>
  `http://${port}--${name}.${workspaceDomain}:${workspacePort}/`;

/** Signed in once per worker, as a browser signs in (one bcrypt); every page then holds the cookie. */
let signedIn: Promise<string> | undefined;
const session = (): Promise<string> => {
  signedIn ??= signInCookie(controlPlane, credentials);
  return signedIn;
};

// Caddy closes idle keep-alive connections on every route change: never reuse one.
const CLOSE = { Connection: 'close' };

/** Requests whose connection closed before any answer and were sent again (api, workspaceGet). */
export const probeRetries = { count: 0 };

/** Requests that are safe to send again when their connection closed before any answer. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);

async function api(method: string, path: string, body?: unknown): Promise<ApiResponse> {
  const send = () =>
    fetch(`${controlPlane}${path}`, {
      method,
      headers: {
        Authorization: authorization,
        ...CLOSE,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  let res: Response;
  for (let attempt = 1; ; attempt++) {
    try {
      res = await send();
      break;
    } catch (error) {
      // As workspaceGet: a config change can close a fresh connection before it is answered.
      if (!IDEMPOTENT.has(method) || attempt >= 3) throw error;
      probeRetries.count++;
    }
  }
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

async function workspaceGet(url: string): Promise<{ status: number; text: string }> {
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetch(url, {
        headers: { Cookie: await session(), ...CLOSE },
      });
      return { status: res.status, text: await res.text() };
    } catch (error) {
      // A connection accepted while Caddy swaps configs can be closed before it is answered; a GET
      // is safe to send again, as browsers do. Counted, so a report can say how often it happened.
      if (attempt >= 3) throw error;
      probeRetries.count++;
    }
  }
}

const execFileAsync = promisify(execFile);

/** One argument for a remote shell (ssh joins its arguments into one command line). */
function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** The suite follows the platform like the worker does: qemu on Linux, tart on macOS. */
function guestExec(): Stack['exec'] {
  const kind = process.env.ROCKPOOL_RUNTIME || (process.platform === 'darwin' ? 'tart' : 'qemu');
  if (kind === 'tart') {
    // scripts/build-tart-image.sh installs this key for the image's admin user (passwordless sudo).
    const key = join(
      process.env.ROCKPOOL_CACHE_DIR ??
        join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'rockpool'),
      'tart',
      'ssh_ed25519',
    );
    // The worker names its VMs `rockpool-<instance>-ws-<name>` (tart-args.ts `tartVmName`): the
    // instance is the job's ROCKPOOL_TART_INSTANCE, or the id kept in the stack's data directory.
    const instance = () =>
      process.env.ROCKPOOL_TART_INSTANCE ||
      readFileSync(dataDirLayout(process.env.ROCKPOOL_DATA_DIR ?? '').tartInstance, 'utf8').trim();
    return async (workspace, command) => {
      const vm = `rockpool-${instance()}-ws-${workspace}`;
      try {
        const { stdout: ip } = await execFileAsync('tart', ['ip', vm]);
        const { stdout } = await execFileAsync('ssh', [
          ...[
            '-i',
            key,
            '-o',
            'StrictHostKeyChecking=no',
            '-o',
            'UserKnownHostsFile=/dev/null',
            '-o',
            'LogLevel=ERROR',
            '-o',
            'BatchMode=yes', // never a password prompt: a missing key fails at once
          ],
          `admin@${ip.trim()}`,
          `sudo /bin/bash -lc ${shellQuote(command)}`,
        ]);
        return { exitCode: 0, stdout };
      } catch (error) {
        const failed = error as { code?: number; stdout?: string };
        return { exitCode: typeof failed.code === 'number' ? failed.code : 1, stdout: failed.stdout ?? '' };
      }
    };
  }
  const qemu = new QemuRuntime({
    imageDir: process.env.ROCKPOOL_GUEST_IMAGE ?? '',
    stateDir: dataDirLayout(process.env.ROCKPOOL_DATA_DIR ?? '').vmsDir,
  });
  return (workspace, command) => qemu.exec(workspace, ['/bin/bash', '-lc', command]);
}
const exec = guestExec();

/** Creates a workspace through the API and waits until it runs. */
async function createRunningWorkspace(name: string): Promise<void> {
  const created = await api('POST', '/api/workspaces', { name });
  if (created.status !== 201)
    throw new Error(`creating ${name}: ${created.status} ${JSON.stringify(created.body)}`);
  const deadline = Date.now() + 300_000;
  for (;;) {
    const { body } = await api('GET', `/api/workspaces/${name}`);
    if (body.state === 'running') return;
    if (body.state === 'error') throw new Error(`workspace ${name} failed to boot: ${String(body.error)}`);
    if (Date.now() > deadline)
      throw new Error(`workspace ${name} is still ${String(body.state)} after 5 minutes`);
    await sleep(1_000);
  }
}

async function deleteWorkspace(name: string): Promise<void> {
  await api('DELETE', `/api/workspaces/${name}`);
  const deadline = Date.now() + 120_000;
  while ((await api('GET', `/api/workspaces/${name}`)).status !== 404) {
    if (Date.now() > deadline) throw new Error(`workspace ${name} was not deleted within 2 minutes`);
    await sleep(1_000);
  }
}

export const test = base.extend<{ stack: Stack }, { workspace: string }>({
  /**
   * Every page starts signed in: the session cookie as the sign-in sets it, for the control plane's
   * host and its subdomains (every workspace host), on any port.
   */
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from this pattern.
  storageState: async ({}, use) => {
    const [name = '', value = ''] = (await session()).split(/=(.*)/s);
    const url = new URL(controlPlane);
    await use({
      cookies: [
        {
          name,
          value,
          domain: `.${url.hostname}`,
          path: '/',
          expires: -1,
          httpOnly: true,
          secure: url.protocol === 'https:',
          sameSite: 'Lax',
        },
      ],
      origins: [],
    });
  },
  /**
   * One running workspace shared by the specs that only need "a workspace" (ports, IDE, WebSockets):
   * a TCG boot costs a minute of CPU, so it is paid once per worker. Deleted when the worker ends.
   */
  workspace: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from this pattern.
    async ({}, use) => {
      const name = 'shared';
      await createRunningWorkspace(name);
      await use(name);
      await deleteWorkspace(name);
    },
    { scope: 'worker', timeout: 420_000 },
  ],
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from this pattern.
  stack: async ({}, use, testInfo) => {
    await use({
      controlPlane,
      workspaceDomain,
      ideUrl,
      portUrl,
      credentials,
      exec,
      api,
      workspaceGet,
      session,
      // Screenshots of each page are kept as artifacts of the run.
      screenshot: async (page, name) => {
        const path = join(import.meta.dirname, 'test-results', 'screenshots', `${name}.png`);
        await page.screenshot({ path, fullPage: true });
        await testInfo.attach(name, { path, contentType: 'image/png' });
      },
    });
  },
});

export { expect };
