import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { caddyBinaryForTests, freePort } from '@rockpool/caddy/testing';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// `pnpm dev` as a contributor runs it, in a scratch copy of this checkout (sources and package
// links; node_modules shared), so the test can change sources without touching the real ones.
const CHECKOUT = resolve(import.meta.dirname, '..', '..', '..');
const COPIED = [
  'package.json',
  'pnpm-workspace.yaml',
  'pnpm-lock.yaml',
  'tsconfig.base.json',
  'scripts',
  'packages',
  'apps',
];
const SKIPPED = new Set(['dist', 'test-results', '.turbo', 'coverage']);
const CHROMIUM = process.env.ROCKPOOL_CHROMIUM ?? '/usr/bin/chromium';
const PASSWORD = 'dev test password';
const auth = { Authorization: `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}` };

/** PIDs of every live process in this process group (`ps` works on Linux and macOS). */
function groupMembers(pgid: number): number[] {
  return execFileSync('ps', ['-A', '-o', 'pid=,pgid=,stat='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, group, stat]) => Number(group) === pgid && !stat?.startsWith('Z'))
    .map(([pid]) => Number(pid));
}

/** Polls `probe` until it gives a value; gives up early when `gone()` says the stack has exited. */
async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  log: () => string,
  gone: () => string | undefined = () => undefined,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    const exit = gone();
    if (exit) throw new Error(`${what}: pnpm dev exited (${exit}). It said:\n${log()}`);
    if (Date.now() > deadline)
      throw new Error(`${what}: not within ${timeoutMs / 1000} s. pnpm dev said:\n${log()}`);
    await sleep(250);
  }
}

/** The one source file under `dir` (tests excluded) that contains `text`. */
async function sourceContaining(dir: string, text: string): Promise<string | undefined> {
  const files = (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile() && /\.tsx?$/.test(e.name) && !e.name.includes('.test.'))
    .map((e) => join(e.parentPath, e.name));
  for (const file of files) if ((await readFile(file, 'utf8')).includes(text)) return file;
  return undefined;
}

async function replaceIn(file: string, from: string, to: string): Promise<void> {
  const text = await readFile(file, 'utf8');
  await writeFile(file, text.replace(from, to));
}

describe.skipIf(!existsSync(CHROMIUM))('pnpm dev', () => {
  let scratch: string;
  let dev: ChildProcess | undefined;
  let spawnError: string | undefined;
  const exited = () => spawnError ?? (dev?.exitCode ?? dev?.signalCode ?? undefined)?.toString();
  let output = '';
  let browser: Browser | undefined;
  let origin: string;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'rockpool-dev-test-'));
    for (const entry of COPIED)
      await cp(join(CHECKOUT, entry), join(scratch, entry), {
        recursive: true,
        verbatimSymlinks: true,
        filter: (source) => !SKIPPED.has(basename(source)),
      });
    await symlink(join(CHECKOUT, 'node_modules'), join(scratch, 'node_modules'));
    // Older than the installed node_modules, so scripts/dev.sh does not run pnpm install on the
    // shared node_modules.
    await utimes(join(scratch, 'pnpm-lock.yaml'), 0, 0);
    const [controlPlane, workspaces, vite] = [await freePort(), await freePort(), await freePort()];
    origin = `http://127.0.0.1:${controlPlane}`;
    dev = spawn('pnpm', ['dev'], {
      cwd: scratch,
      // Its own process group, as a terminal gives it: Ctrl-C is a SIGINT to the whole group.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        ROCKPOOL_DEV_DATA_DIR: join(scratch, 'data'),
        ROCKPOOL_DEV_CONTROL_PLANE_PORT: String(controlPlane),
        ROCKPOOL_DEV_WORKSPACE_PORT: String(workspaces),
        ROCKPOOL_DEV_VITE_PORT: String(vite),
        ROCKPOOL_CADDY_BIN: caddyBinaryForTests(),
        CADDY_PASSWORD: PASSWORD,
        // No VM boots here; skip the KVM probe boot.
        ROCKPOOL_QEMU_ACCEL: 'tcg',
      },
    });
    dev.once('error', (error) => {
      spawnError = `cannot start pnpm: ${error.message}`;
    });
    for (const stream of [dev.stdout, dev.stderr])
      stream?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
    await until(
      'the API and the worker through Caddy',
      async () => {
        const response = await fetch(`${origin}/api/health`, { headers: auth });
        return response.ok ? true : undefined;
      },
      120_000,
      () => output,
      exited,
    );
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    // Only if the test failed before its own stop: end the whole group by its id.
    if (dev?.pid && groupMembers(dev.pid).length > 0) process.kill(-dev.pid, 'SIGKILL');
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('serves the dashboard from Vite through Caddy with hot reload, reloads the server, and stops every process', async () => {
    // The dashboard through the edge: the real sign-in, and the dev CSP on the page.
    const unauthenticated = await fetch(`${origin}/app/`);
    expect(unauthenticated.status).toBe(401);
    const html = await fetch(`${origin}/app/`, { headers: auth });
    expect(await html.text()).toContain('/app/@vite/client');
    expect(html.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");

    const context = await browser?.newContext();
    const page = await context?.newPage();
    if (!page) throw new Error('no browser page');
    const console: string[] = [];
    page.on('console', (message) => console.push(message.text()));
    const connected = page.waitForEvent('console', (message) => message.text().includes('[vite] connected'));
    // No session yet: the edge sends the browser to the sign-in page, which sends it back. The
    // browser uses the dashboard's name (the local default: rockpool.localhost, beside the workspace
    // hosts under ws.rockpool.localhost), where the session cookie is set.
    const dashboard = `http://rockpool.localhost:${new URL(origin).port}`;
    await page.goto(`${dashboard}/app/`);
    expect(new URL(page.url()).pathname).toBe('/auth/');
    await page.fill('#username', 'admin');
    await page.fill('#password', PASSWORD);
    await Promise.all([page.waitForURL(`${dashboard}/app/`), page.click('button[type=submit]')]);
    await connected;
    const heading = (await page.locator('h1').first().textContent()) ?? '';
    expect(heading.length).toBeGreaterThan(0);

    // A dashboard change reaches the open page without a reload: the marker survives.
    await page.evaluate('window.__marker = "kept"');
    const component = await sourceContaining(join(scratch, 'packages', 'spa', 'src'), `<h1>${heading}</h1>`);
    if (!component) throw new Error(`no dashboard source renders <h1>${heading}</h1>`);
    await replaceIn(component, `<h1>${heading}</h1>`, `<h1>${heading} (reloaded)</h1>`);
    await page.locator('h1', { hasText: `${heading} (reloaded)` }).waitFor({ timeout: 30_000 });
    expect(await page.evaluate('window.__marker')).toBe('kept');
    expect(console.filter((line) => line.includes('Content Security Policy'))).toEqual([]);

    // A server change: the API answers from the new code (tsx watch restarted it).
    const missing = `${origin}/api/no-such-route`;
    const before = (
      (await (await fetch(missing, { headers: auth })).json()) as { error: { message: string } }
    ).error.message;
    const words = before.split(' ');
    let phrase = '';
    let handler: string | undefined;
    for (let n = words.length; n > 1 && !handler; n -= 1) {
      phrase = words.slice(0, n).join(' ');
      handler = await sourceContaining(join(scratch, 'packages', 'server', 'src'), phrase);
    }
    if (!handler) throw new Error(`no server source holds the message ${JSON.stringify(before)}`);
    await replaceIn(handler, phrase, `${phrase} (reloaded)`);
    await until(
      'the API answering from the changed source',
      async () => {
        const body = await (await fetch(missing, { headers: auth })).text();
        return body.includes('(reloaded)') ? body : undefined;
      },
      60_000,
      () => output,
      exited,
    );
    await context?.close();

    // Ctrl-C: every process of the group ends, Caddy, tsx, the server, the worker and Vite included.
    const pgid = dev?.pid as number;
    expect(groupMembers(pgid).length).toBeGreaterThan(4);
    process.kill(-pgid, 'SIGINT');
    await until(
      'every process of pnpm dev gone after Ctrl-C',
      async () => (groupMembers(pgid).length === 0 ? true : undefined),
      60_000,
      () => `${output}\nstill running: ${groupMembers(pgid).join(' ')}`,
    );
    expect(await fetch(`${origin}/api/health`).catch((error: Error) => error.name)).toBe('TypeError');
  });
});
