import { request as httpRequest } from 'node:http';
import { type BrowserContext, expect, type Page, test } from '@playwright/test';
import { dataDirLayout } from '@rockpool/model/data-dir';
import { QemuRuntime } from '@rockpool/worker';
import { type RunningStack, startStack } from '../stack.js';
import {
  apiAs,
  openIde,
  signIn as signInAt,
  startsWith,
  waitRunning as waitRunningAt,
} from '../stack-client.js';

/**
 * Subdomain routing on the real stack, in Chromium, with no DNS: the control plane at
 * `rockpool.localhost`, each IDE at `{name}.ws.rockpool.localhost` and each forwarded port at
 * `{port}--{name}.ws.rockpool.localhost` (Chromium resolves every `*.localhost` to loopback). The
 * suite's shared stack runs in this mode too; this file starts one of its own, where alice is the
 * admin and bob a member, for its tests alone. One sign-in covers every origin; an app on a
 * forwarded port is an origin of its own and can neither read nor drive the IDEs or the control plane.
 */
const DOMAIN = 'ws.rockpool.localhost';
const alice = { username: 'alice', password: 'alice-e2e-password-not-secret' };
const bob = { username: 'bob', password: 'bob-e2e-password-not-secret' };
/** alice's two workspaces: `app` serves the attacker's page on a forwarded port, `other` is its target. */
const APP = 'app';
const OTHER = 'other';
const APP_PORT = 3000;

let stack: RunningStack;
let qemu: QemuRuntime;
/** alice's browser: signed in once, on the control plane's page. */
let alices: BrowserContext;

const ide = (name: string) => `http://${name}.${DOMAIN}:${stack.workspacePort}/`;
const portUrl = (name: string, port: number) => `http://${port}--${name}.${DOMAIN}:${stack.workspacePort}/`;
const api = (user: typeof alice, method: string, path: string, body?: unknown) =>
  apiAs(stack.controlPlane, user, method, path, body);
const waitRunning = (name: string) => waitRunningAt(stack.controlPlane, alice, name);
const signIn = (page: Page, user: typeof alice) => signInAt(page, stack.controlPlane, user);

/** A request to the edge's workspace server for `url`, sent to loopback with its Host, as a browser would. */
function edgeRequest(
  url: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        method,
        host: '127.0.0.1',
        port: target.port,
        path: `${target.pathname}${target.search}`,
        headers: { Host: target.host, Connection: 'close', ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString(),
            headers: res.headers,
          }),
        );
        res.on('error', reject);
      },
    );
    // A WebSocket handshake that succeeds: its status is all that is wanted.
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, body: '', headers: res.headers });
    });
    req.on('error', reject);
    req.end();
  });
}

/** The app in `app`: the attacker's page at `/`, and `/headers`, which echoes the request's headers. */
function appScript(page: string): string {
  return `const page = ${JSON.stringify(page)};
require('http').createServer((q, s) => {
  if (q.url === '/headers') { s.setHeader('Content-Type', 'application/json'); s.end(JSON.stringify(q.headers)); return; }
  s.setHeader('Content-Type', 'text/html'); s.end(page);
}).listen(${APP_PORT});`;
}

/** What the attacker's page tries, each result in `window.results`. */
function attackerPage(controlPlane: string, appIde: string, otherIde: string): string {
  const socket = (origin: string) => origin.replace(/^http/, 'ws');
  return `<!doctype html><body><script>
  window.results = {};
  const read = async (key, url) => {
    try { const r = await fetch(url, { credentials: 'include' }); results[key] = 'read ' + r.status + ' ' + (await r.text()).slice(0, 40); }
    catch (e) { results[key] = 'blocked'; }
  };
  const socket = (key, url) => new Promise((done) => {
    const ws = new WebSocket(url);
    ws.onopen = () => { results[key] = 'open'; ws.close(); done(); };
    ws.onclose = (e) => { results[key] ??= 'closed ' + e.code; done(); };
  });
  (async () => {
    const own = await (await fetch('/headers')).json();
    results.cookieSeenByApp = String(own.cookie ?? '').includes('access_token') ? 'leaked' : 'absent';
    await read('ide', '${appIde}');
    await read('otherIde', '${otherIde}');
    await read('controlPlane', '${controlPlane}/api/workspaces');
    await socket('ideSocket', '${socket(appIde)}?type=Management&reconnectionToken=x&reconnection=false&skipWebSocketFrames=false');
    await socket('otherSocket', '${socket(otherIde)}?type=Management&reconnectionToken=x&reconnection=false&skipWebSocketFrames=false');
    try { await fetch('${controlPlane}/api/workspaces', { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify({ name: 'pwned' }) }); results.create = 'sent'; }
    catch (e) { results.create = 'failed'; }
    const frame = document.createElement('iframe'); frame.name = 'sink'; document.body.append(frame);
    const form = document.createElement('form'); form.method = 'POST'; form.action = '${controlPlane}/api/workspaces/${OTHER}/stop'; form.target = 'sink';
    document.body.append(form);
    frame.onload = () => { results.form = 'submitted'; }; form.submit();
  })();
</script></body>`;
}

test.describe('subdomain routing', () => {
  test.describe.configure({ mode: 'serial' });

  test.beforeAll(async ({ browser }) => {
    test.setTimeout(600_000);
    stack = await startStack({
      logsName: 'stack-logs-subdomain',
      env: { CADDY_USERNAME: alice.username, CADDY_PASSWORD: alice.password },
    });
    qemu = new QemuRuntime({
      imageDir: process.env.ROCKPOOL_GUEST_IMAGE ?? '',
      stateDir: dataDirLayout(stack.dataDir).vmsDir,
    });
    // Both start at once, from the guest snapshot (the same in both routing modes).
    for (const name of [APP, OTHER]) {
      const created = await api(alice, 'POST', '/api/workspaces', { name });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      expect(created.body.ideUrl).toBe(ide(name));
    }
    await Promise.all([APP, OTHER].map(waitRunning));
    alices = await browser.newContext();
  });

  test.afterAll(async () => {
    await alices?.close();
    // The stack stops the VMs on Ctrl-C; stop() fails when one outlived it.
    await stack?.stop();
  });

  test('one sign-in on the control plane opens two IDEs and a forwarded port', async () => {
    const page = await alices.newPage();
    await test.step("alice opens her IDE's host: the control plane's sign-in page, then VS Code", async () => {
      await openIde(page, ide(APP), () => signIn(page, alice));
      const cookies = await alices.cookies();
      const session = cookies.find((c) => c.name === 'access_token');
      expect(session).toMatchObject({ domain: '.rockpool.localhost', httpOnly: true, sameSite: 'Lax' });
    });

    await test.step('her second workspace opens with no further prompt', async () => {
      await openIde(page, ide(OTHER));
    });

    await test.step('a forwarded port answers at its own host', async () => {
      const page = attackerPage(stack.controlPlane, ide(APP), ide(OTHER));
      const started = await qemu.exec(APP, [
        '/bin/bash',
        '-lc',
        `cat > /tmp/app.js <<'JS'\n${appScript(page)}\nJS\nsetsid node /tmp/app.js >/dev/null 2>&1 &`,
      ]);
      expect(started.exitCode).toBe(0);
      const added = await api(alice, 'POST', `/api/workspaces/${APP}/ports`, { port: APP_PORT });
      expect(added.status, JSON.stringify(added.body)).toBe(201);
      expect(added.body.url).toBe(portUrl(APP, APP_PORT));
    });

    await test.step("VS Code's port link on the IDE's host leads to the port's own host", async () => {
      // The guest's VSCODE_PROXY_URI, `./port/{{port}}/`, is the same in both modes: the edge redirects.
      const env = await qemu.exec(APP, ['/bin/bash', '-c', "grep '^VSCODE_PROXY_URI=' /etc/rockpool.env"]);
      expect(env.stdout.trim()).toBe('VSCODE_PROXY_URI=./port/{{port}}/');
      await expect
        .poll(async () => (await page.goto(`${ide(APP)}port/${APP_PORT}/headers`))?.status(), {
          timeout: 30_000,
        })
        .toBe(200);
      await expect(page).toHaveURL(`${portUrl(APP, APP_PORT)}headers`);
    });
  });

  test("a page of alice's forwarded app can reach neither her IDEs nor the control plane", async () => {
    const page = await alices.newPage();
    const before = (await api(alice, 'GET', '/api/workspaces')).body.items as { name: string }[];
    await expect
      .poll(async () => (await page.goto(portUrl(APP, APP_PORT)))?.status(), { timeout: 30_000 })
      .toBe(200);
    await expect(page).toHaveURL(portUrl(APP, APP_PORT));
    await expect
      .poll(() => page.evaluate(() => (window as unknown as { results: Record<string, string> }).results), {
        timeout: 60_000,
      })
      .toEqual({
        cookieSeenByApp: 'absent',
        ide: 'blocked',
        otherIde: 'blocked',
        controlPlane: 'blocked',
        // The handshake is refused (the edge's 403): the browser reports an abnormal closure.
        ideSocket: 'closed 1006',
        otherSocket: 'closed 1006',
        create: 'sent',
        form: 'submitted',
      });

    // Nothing changed on the control plane.
    const after = (await api(alice, 'GET', '/api/workspaces')).body.items as { name: string }[];
    expect(after.map((w) => w.name).sort()).toEqual(before.map((w) => w.name).sort());
    expect((await api(alice, 'GET', `/api/workspaces/${OTHER}`)).body.state).toBe('running');

    // The edge itself refuses what the page's browser sent (curl-like requests with its headers):
    // the IDE's WebSocket, and a state-changing request, from the app's origin.
    const fromApp = {
      Origin: portUrl(APP, APP_PORT).replace(/\/$/, ''),
      'Sec-Fetch-Site': 'same-site',
      Cookie: (await alices.cookies()).map((c) => `${c.name}=${c.value}`).join('; '),
    };
    for (const name of [APP, OTHER]) {
      const upgrade = await edgeRequest(`${ide(name)}?type=Management`, {
        ...fromApp,
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
        'Sec-Fetch-Mode': 'websocket',
      });
      expect(upgrade.status).toBe(403);
      expect(JSON.parse(upgrade.body)).toMatchObject({ error: { code: 'cross_origin_request' } });
      const post = await edgeRequest(ide(name), fromApp, 'POST');
      expect(post.status).toBe(403);
      expect(JSON.parse(post.body)).toMatchObject({ error: { code: 'cross_origin_request' } });
    }
    // The IDE's own page may: its WebSocket opened above, and the same upgrade from its origin passes
    // the edge (code-server answers it; this bogus one with a redirect).
    const own = await edgeRequest(`${ide(APP)}?type=Management`, {
      ...fromApp,
      Origin: ide(APP).replace(/\/$/, ''),
      'Sec-Fetch-Site': 'same-origin',
      Upgrade: 'websocket',
      'Sec-WebSocket-Version': '13',
      'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
      'Sec-Fetch-Mode': 'websocket',
    });
    expect(own.status).not.toBe(403);
    expect(own.body).not.toContain('cross_origin_request');
  });

  test("the dashboard's links lead to the workspace and port hosts", async () => {
    const page = await alices.newPage();
    const consoleErrors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    await page.goto(`${stack.controlPlane}/app/workspaces/${APP}`);
    await expect(page.getByRole('link', { name: 'Open IDE' })).toHaveAttribute('href', ide(APP));
    const row = page.locator(`[data-port="${APP_PORT}"]`);
    await expect(row.getByTestId('port-status')).toHaveText('listening');
    await expect(row.getByRole('link')).toHaveAttribute('href', portUrl(APP, APP_PORT));
    // The link opens the app, signed in by the same session.
    const [app] = await Promise.all([alices.waitForEvent('page'), row.getByRole('link').click()]);
    await expect(app).toHaveURL(portUrl(APP, APP_PORT));
    await expect
      .poll(() => app.evaluate(() => typeof (window as { results?: unknown }).results))
      .toBe('object');
    await app.close();
    expect(consoleErrors).toEqual([]);
  });

  test("bob, signed in as himself, gets 404 for alice's IDE and port hosts", async ({ browser }) => {
    expect(
      (await api(alice, 'POST', '/api/users', { name: bob.username, password: bob.password })).status,
    ).toBe(201);
    const bobs = await browser.newContext();
    try {
      const page = await bobs.newPage();
      await page.goto(ide(APP));
      await signIn(page, bob);
      const shown = async (url: string) => {
        const response = await page.goto(url);
        return { status: response?.status(), text: (await page.locator('body').textContent()) ?? '' };
      };
      // The same answer as for a workspace that does not exist: nothing tells bob alice's is there.
      const unknown = await shown(ide('nobodys'));
      expect(unknown.status).toBe(404);
      expect(JSON.parse(unknown.text)).toMatchObject({ error: { code: 'not_found' } });
      const expected = { status: 404, text: unknown.text.replace('nobodys', APP) };
      expect(await shown(ide(APP))).toEqual(expected);
      expect(await shown(portUrl(APP, APP_PORT))).toEqual(expected);
    } finally {
      await bobs.close();
    }
  });

  test('signing out on the control plane ends access on every origin', async () => {
    const page = await alices.newPage();
    await page.goto(`${stack.controlPlane}/app/`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect
      .poll(async () => (await alices.cookies()).filter((c) => c.name === 'access_token'))
      .toEqual([]);
    // The dashboard goes to the sign-in page by itself after signing out; once it is there, nothing
    // else navigates the page, and it tries each origin in turn (no page closed and opened: a
    // context's new page once hung for 10 minutes in CI, right after one was closed).
    await expect(page).toHaveURL(startsWith(`${stack.controlPlane}/auth/`));
    for (const url of [ide(APP), ide(OTHER), portUrl(APP, APP_PORT)]) {
      await page.goto(url);
      // A navigation goes to the sign-in page, with the workspace URL to come back to.
      await expect(page, url).toHaveURL(startsWith(`${stack.controlPlane}/auth/`));
      const unauthenticated = await edgeRequest(url, { Accept: 'application/json' });
      expect(unauthenticated.status, url).toBe(401);
    }
  });
});
