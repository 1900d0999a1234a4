import { expect, test } from '../fixtures.js';

/**
 * The dashboard as a new user meets it, on the real stack: create a workspace from the UI, watch it
 * boot, open VS Code, forward a port and see it go live, stop, delete. No console errors allowed.
 */
test('a new user creates, uses, stops and deletes a workspace from the dashboard', async ({
  page,
  context,
  stack,
}) => {
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(error.message));
  page.on('response', (response) => {
    // The 409 step provokes its refusal through the API, not the page: nothing here may fail.
    if (response.status() >= 400)
      consoleErrors.push(`${response.status()} ${response.request().method()} ${response.url()}`);
  });

  await test.step('/ leads to the dashboard, which starts empty and live', async () => {
    await page.goto(`${stack.controlPlane}/`);
    await expect(page).toHaveURL(/\/app\/$/);
    await expect(page.getByText('No workspaces yet')).toBeVisible();
    await expect(page.getByRole('status').filter({ hasText: 'Live' })).toBeVisible();
    await stack.screenshot(page, '01-workspaces-empty');
  });

  await test.step('the create form validates the name as it is typed, with the server’s rules', async () => {
    await page.getByRole('link', { name: 'New workspace' }).click();
    const name = page.getByLabel('Name', { exact: true });
    await name.fill('My App');
    await expect(page.getByText(/lowercase letters, digits and single inner hyphens/)).toBeVisible();
    await expect(page.getByRole('button', { name: 'Create workspace' })).toBeDisabled();
    await stack.screenshot(page, '02-create-invalid');
    await name.fill('web');
    await expect(page.getByRole('button', { name: 'Create workspace' })).toBeEnabled();
    await page.getByRole('button', { name: 'Create workspace' }).click();
  });

  await test.step('a progress view follows the boot until it is running (pushed, not polled)', async () => {
    await expect(page).toHaveURL(/\/app\/workspaces\/web$/);
    await expect(page.getByRole('list', { name: 'Boot progress' })).toBeVisible();
    await stack.screenshot(page, '03-booting');
    await expect(page.getByTestId('state')).toHaveText('Running', { timeout: 300_000 });
    await stack.screenshot(page, '04-running');
  });

  await test.step('Open IDE shows VS Code’s workbench on the workspace origin', async () => {
    const [ide] = await Promise.all([
      context.waitForEvent('page'),
      page.getByRole('link', { name: 'Open IDE' }).click(),
    ]);
    await expect(ide).toHaveURL(new RegExp(`^${stack.ideUrl('web').replaceAll('.', '\\.')}`));
    await expect(ide.locator('.monaco-workbench')).toBeVisible({ timeout: 120_000 });
    await stack.screenshot(ide, '05-ide');
    await ide.close();
  });

  await test.step('a forwarded port turns live when an app listens, and back', async () => {
    await page.getByLabel('Port', { exact: true }).fill('70000');
    await expect(page.getByText(/outside 1-65535/)).toBeVisible();
    await page.getByLabel('Port', { exact: true }).fill('3000');
    await page.getByRole('button', { name: 'Add port' }).click();
    const row = page.locator('[data-port="3000"]');
    await expect(row.getByTestId('port-status')).toHaveText('not listening (502)');
    await stack.exec(
      'web',
      "setsid node -e \"require('http').createServer((q,s)=>s.end('hi')).listen(3000)\" >/dev/null 2>&1 & echo $! > /tmp/app.pid",
    );
    await expect(row.getByTestId('port-status')).toHaveText('listening');
    await stack.screenshot(page, '06-port-live');
    const app = await context.newPage();
    await app.goto(stack.portUrl('web', 3000));
    await expect(app.locator('body')).toHaveText('hi');
    // VS Code's port link on the IDE's host (`./port/{{port}}/`) leads to the port's own host.
    await app.goto(`${stack.ideUrl('web')}port/3000/`);
    await expect(app).toHaveURL(stack.portUrl('web', 3000));
    await expect(app.locator('body')).toHaveText('hi');
    await app.close();
    await stack.exec('web', 'kill $(cat /tmp/app.pid)');
    await expect(row.getByTestId('port-status')).toHaveText('not listening (502)');
  });

  await test.step('stop asks for confirmation, then the workspace stops', async () => {
    await page.getByRole('button', { name: 'Stop' }).click();
    await expect(page.getByText(/Open editors disconnect/)).toBeVisible();
    await page.getByRole('button', { name: 'Yes' }).click();
    await expect(page.getByTestId('state')).toHaveText('Stopped', { timeout: 120_000 });
    await stack.screenshot(page, '07-stopped');
  });

  await test.step('the settings page names the user', async () => {
    await page.getByRole('link', { name: 'Settings' }).click();
    await expect(page.getByRole('cell', { name: stack.credentials.username, exact: true })).toBeVisible();
    await stack.screenshot(page, '08-settings');
    await page.getByRole('link', { name: 'Workspaces' }).click();
  });

  await test.step('delete asks for confirmation, then the workspace disappears everywhere', async () => {
    await page.getByRole('link', { name: 'web' }).click();
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('button', { name: 'Yes' }).click();
    await expect(page).toHaveURL(/\/app\/$/);
    await expect(page.getByText('No workspaces yet')).toBeVisible({ timeout: 120_000 });
    expect((await stack.api('GET', '/api/workspaces/web')).status).toBe(404);
  });

  await test.step('a refused action says why (409) instead of failing silently', async () => {
    await stack.api('POST', '/api/workspaces', { name: 'busy' });
    await page.goto(`${stack.controlPlane}/app/workspaces/busy`);
    const stop = await stack.api('POST', '/api/workspaces/busy/stop');
    expect(stop.status).toBe(409);
    await expect(page.getByRole('button', { name: 'Stop' })).toHaveCount(0);
    await stack.api('DELETE', '/api/workspaces/busy');
  });

  expect(consoleErrors).toEqual([]);
});
