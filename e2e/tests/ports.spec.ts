import { expect, test } from '../fixtures.js';

/**
 * Forwarded ports before, while and after an app listens inside the VM, seen through the real Caddy
 * on the workspace origin (and in the browser, where a person would see the 502 page).
 */
test('a registered port answers 502 until an app listens, 200 while it does, and 502 after', async ({
  page,
  stack,
  workspace,
}) => {
  const port = 5000;
  const url = stack.portUrl(workspace, port);
  try {
    const added = await stack.api('POST', `/api/workspaces/${workspace}/ports`, { port });
    expect(added.status).toBe(201);

    await test.step('nothing listens yet: 502, and the page says so', async () => {
      await expect.poll(async () => (await stack.workspaceGet(url)).status).toBe(502);
      const response = await page.goto(url);
      expect(response?.status()).toBe(502);
      await expect(page.getByRole('heading', { name: 'The app is not listening yet' })).toBeVisible();
      await expect(page.getByText(/nothing inside the workspace is listening/)).toBeVisible();
      await stack.screenshot(page, '20-port-not-listening');
    });

    await test.step('an app starts inside the VM: 200 as soon as it listens', async () => {
      await stack.exec(
        workspace,
        `setsid node -e "require('http').createServer((q,s)=>s.end('hello from ${port} '+q.url)).listen(${port})" >/dev/null 2>&1 & echo $! > /tmp/app-${port}.pid`,
      );
      await expect.poll(async () => (await stack.workspaceGet(url)).status, { timeout: 30_000 }).toBe(200);
      // The app is at its host's root and sees the path as sent.
      expect((await stack.workspaceGet(`${url}some/path?q=1`)).text).toBe(
        `hello from ${port} /some/path?q=1`,
      );
      await page.goto(url);
      await expect(page.locator('body')).toHaveText(`hello from ${port} /`);
    });

    await test.step('the app stops: 502 again', async () => {
      const killed = await stack.exec(workspace, `kill $(cat /tmp/app-${port}.pid)`);
      expect(killed.exitCode).toBe(0);
      await expect.poll(async () => (await stack.workspaceGet(url)).status, { timeout: 30_000 }).toBe(502);
    });
  } finally {
    await stack.api('DELETE', `/api/workspaces/${workspace}/ports/${port}`);
  }
});

test('an unregistered port answers 404, and a sixth port is refused', async ({ stack, workspace }) => {
  const ports = [5100, 5101, 5102, 5103, 5104];
  try {
    const unregistered = await stack.workspaceGet(stack.portUrl(workspace, 5999));
    expect(unregistered.status).toBe(404);

    for (const port of ports)
      expect((await stack.api('POST', `/api/workspaces/${workspace}/ports`, { port })).status).toBe(201);
    const sixth = await stack.api('POST', `/api/workspaces/${workspace}/ports`, { port: 5105 });
    expect(sixth.status).toBe(409);
    expect(sixth.body).toMatchObject({ error: { code: 'port_limit' } });
    expect(String((sixth.body.error as { message: string }).message)).toMatch(/at most 5 ports/);
    // Refused means nothing changed: five ports, and no route for the sixth.
    const listed = await stack.api('GET', `/api/workspaces/${workspace}/ports`);
    expect((listed.body.items as { port: number }[]).map((p) => p.port).sort()).toEqual(ports);
    expect((await stack.workspaceGet(stack.portUrl(workspace, 5105))).status).toBe(404);
    await expect
      .poll(async () => (await stack.workspaceGet(stack.portUrl(workspace, 5104))).status)
      .toBe(502);
  } finally {
    for (const port of ports) await stack.api('DELETE', `/api/workspaces/${workspace}/ports/${port}`);
  }
});
