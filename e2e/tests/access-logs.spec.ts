import { expect, test } from '../fixtures.js';

/**
 * Caddy ships its access logs to the control plane; the Logs page shows and filters them. Requests
 * go through both servers of the real edge; the UI filters by path, status and server.
 */
test('requests through the edge appear on the Logs page and filter by path, status and server', async ({
  page,
  stack,
}) => {
  const marker = `e2e-logs-${Date.now().toString(36)}`;
  // A path on an unknown workspace's host: srv1's log entry carries the marker in its path.
  const workspacePath = `/${marker}/`;
  // The user's session: the workspace server takes no password.
  const cookie = await stack.session();
  const send = (url: string) =>
    fetch(url, { headers: { Cookie: cookie, Connection: 'close' } }).then((r) => r.status);

  await test.step('requests through srv0 and srv1 reach the log store', async () => {
    // Caddy may still be redialling the log socket it found closed at start-up (at most every 10 s):
    // keep sending until the entries arrive.
    await expect
      .poll(
        async () => {
          expect(await send(`${stack.controlPlane}/api/${marker}`)).toBe(404);
          expect(await send(`${stack.ideUrl('nobody')}${marker}/`)).toBe(404);
          const logs = await stack.api('GET', `/api/logs?path=${marker}&limit=500`);
          const servers = new Set((logs.body.items as { server: string }[]).map((e) => e.server));
          return [...servers].sort();
        },
        { timeout: 30_000, intervals: [1_000] },
      )
      .toEqual(['control-plane', 'workspaces']);
    expect(await send(`${stack.controlPlane}/api/health?${marker}`)).toBe(200);
  });

  await test.step('the Logs page lists them, with the user', async () => {
    await page.goto(`${stack.controlPlane}/app/`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Logs' }).click();
    await expect(page).toHaveURL(/\/app\/logs$/);
    await expect(page.getByRole('heading', { name: 'Access logs' })).toBeVisible();
    await page.getByLabel('Path').fill(marker);
    await page.getByRole('button', { name: 'Apply' }).click();
    const rows = page.getByRole('table', { name: 'Access log' }).locator('tbody tr');
    await expect(rows.filter({ hasText: `/api/${marker}` }).first()).toBeVisible();
    await expect(rows.filter({ hasText: workspacePath }).first()).toContainText(stack.credentials.username);
    await expect(rows.filter({ hasText: `/api/health?${marker}` })).toHaveCount(1);
    await stack.screenshot(page, 'logs-filtered-by-path');
  });

  await test.step('filter by status', async () => {
    // The API calls of this test and of the page carry the marker too: narrow the path first.
    await page.getByLabel('Path').fill(`health?${marker}`);
    await page.getByLabel('Status').fill('200');
    await page.getByRole('button', { name: 'Apply' }).click();
    const rows = page.getByRole('table', { name: 'Access log' }).locator('tbody tr');
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toContainText(`/api/health?${marker}`);
    await page.getByLabel('Path').fill(marker);
    await page.getByLabel('Status').fill('4xx');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect(rows.filter({ hasText: workspacePath }).first()).toBeVisible();
    await expect(rows.filter({ hasText: '/api/health' })).toHaveCount(0);
    for (const status of await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-status'))))
      expect(status).toBe('404');
  });

  await test.step('filter by server', async () => {
    await page.getByLabel('Server').selectOption('workspaces');
    await page.getByRole('button', { name: 'Apply' }).click();
    const rows = page.getByRole('table', { name: 'Access log' }).locator('tbody tr');
    await expect(rows.first()).toContainText(workspacePath);
    for (const server of await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-server'))))
      expect(server).toBe('workspaces');
  });

  await test.step('a filter nothing matches shows the empty state; a bad one says why', async () => {
    await page.getByLabel('Path').fill(`${marker}-nothing`);
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect(page.getByText('No requests match these filters.')).toBeVisible();
    await page.getByLabel('Status').fill('teapot');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect(page.getByRole('alert')).toContainText('status');
  });
});
