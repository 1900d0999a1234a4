import { setTimeout as sleep } from 'node:timers/promises';
import { expect, test } from '../fixtures.js';

async function waitForState(
  stack: { api: (m: string, p: string) => Promise<{ body: Record<string, unknown> }> },
  name: string,
  state: string,
) {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const { body } = await stack.api('GET', `/api/workspaces/${name}`);
    if (body.state === state) return;
    if (body.state === 'error') throw new Error(`${name} failed: ${String(body.error)}`);
    if (Date.now() > deadline)
      throw new Error(`${name} is ${String(body.state)}, not ${state}, after 3 minutes`);
    await sleep(1_000);
  }
}

/** Opening a suspended workspace's URL shows the resuming page, which moves on to VS Code by itself. */
test('opening a suspended workspace resumes it and ends in VS Code', async ({ page, stack, workspace }) => {
  expect((await stack.api('POST', `/api/workspaces/${workspace}/suspend`)).status).toBe(202);
  await waitForState(stack, workspace, 'suspended');

  const response = await page.goto(stack.ideUrl(workspace));
  expect(response?.status()).toBe(503);
  await expect(page.locator('h1')).toHaveText(`Resuming ${workspace}…`);
  await stack.screenshot(page, '30-resuming');

  await expect(page.locator('.monaco-workbench')).toBeVisible({ timeout: 180_000 });
  await waitForState(stack, workspace, 'running');
});
