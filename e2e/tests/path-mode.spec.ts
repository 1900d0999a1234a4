import { expect, test } from '@playwright/test';
import { dataDirLayout } from '@rockpool/model/data-dir';
import { QemuRuntime } from '@rockpool/worker';
import { type RunningStack, startStack } from '../stack.js';
import { apiAs, openIde, signIn, waitRunning } from '../stack-client.js';

/**
 * Path mode's smoke test, on a stack of its own (the suite's shared stack runs in subdomain mode):
 * every IDE and app on the one workspace origin, `localhost:{port}/workspace/{name}/...`. A browser
 * with no session opens the IDE's URL, signs in on the control plane's page and comes back to VS
 * Code (its WebSocket exchanging frames); a forwarded port answers under the IDE's path, where VS
 * Code's port links point.
 */
const carol = { username: 'carol', password: 'carol-e2e-password-not-secret' };
const NAME = 'paths';
const APP_PORT = 3000;

let stack: RunningStack;

test.describe('path mode', () => {
  test.describe.configure({ mode: 'serial' });

  test.beforeAll(async () => {
    test.setTimeout(600_000);
    stack = await startStack({
      logsName: 'stack-logs-path',
      routingMode: 'path',
      env: { CADDY_USERNAME: carol.username, CADDY_PASSWORD: carol.password },
    });
    const created = await apiAs(stack.controlPlane, carol, 'POST', '/api/workspaces', { name: NAME });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.ideUrl).toBe(`http://localhost:${stack.workspacePort}/workspace/${NAME}/`);
    await waitRunning(stack.controlPlane, carol, NAME);
  });

  test.afterAll(async () => {
    // The stack stops the VM on Ctrl-C; stop() fails when one outlived it.
    await stack?.stop();
  });

  test('sign in from the IDE URL, VS Code with its WebSocket, and a forwarded port under the IDE', async ({
    browser,
  }) => {
    const ide = `http://localhost:${stack.workspacePort}/workspace/${NAME}/`;
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await test.step('the IDE URL leads to the sign-in page, then back to VS Code', async () => {
        await openIde(page, ide, () => signIn(page, stack.controlPlane, carol));
        const session = (await context.cookies()).find((cookie) => cookie.name === 'access_token');
        // Host-only: path mode has one workspace origin beside the control plane, on the same host.
        expect(session).toMatchObject({ domain: 'localhost', httpOnly: true, sameSite: 'Lax' });
      });

      await test.step('a forwarded port answers at VS Code’s port link, under the IDE’s path', async () => {
        const qemu = new QemuRuntime({
          imageDir: process.env.ROCKPOOL_GUEST_IMAGE ?? '',
          stateDir: dataDirLayout(stack.dataDir).vmsDir,
        });
        const started = await qemu.exec(NAME, [
          '/bin/bash',
          '-lc',
          `setsid node -e "require('http').createServer((q,s)=>s.end('path mode '+q.url)).listen(${APP_PORT})" >/dev/null 2>&1 &`,
        ]);
        expect(started.exitCode).toBe(0);
        const env = await qemu.exec(NAME, ['/bin/bash', '-c', "grep '^VSCODE_PROXY_URI=' /etc/rockpool.env"]);
        expect(env.stdout.trim()).toBe('VSCODE_PROXY_URI=./port/{{port}}/');
        const added = await apiAs(stack.controlPlane, carol, 'POST', `/api/workspaces/${NAME}/ports`, {
          port: APP_PORT,
        });
        expect(added.status, JSON.stringify(added.body)).toBe(201);
        const url = `${ide}port/${APP_PORT}/`;
        expect(added.body.url).toBe(url);
        await expect
          .poll(async () => (await page.goto(`${url}x?q=1`))?.status(), { timeout: 30_000 })
          .toBe(200);
        // The app sees its own root: the /workspace/{name}/port/{port} prefix is stripped.
        await expect(page.locator('body')).toHaveText('path mode /x?q=1');
      });
    } finally {
      await context.close();
    }
  });
});
