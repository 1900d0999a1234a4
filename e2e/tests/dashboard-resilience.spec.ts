import { readFileSync } from 'node:fs';
import { dataDirLayout } from '@rockpool/model/data-dir';
import { expect, test } from '../fixtures.js';

/** How the dashboard behaves when things go wrong, and for people on a keyboard or a small screen. */
test.describe('the dashboard under stress', () => {
  // One workspace, created by the first test, serves the rest: they run in order, and stop at the first failure.
  test.describe.configure({ mode: 'serial' });
  test.afterAll(async ({ stack }) => {
    await stack.api('DELETE', '/api/workspaces/kbd');
  });

  test('works from the keyboard alone', async ({ page, stack }) => {
    await page.goto(`${stack.controlPlane}/app/new`);
    await page.getByLabel('Name', { exact: true }).focus();
    await page.keyboard.type('kbd');
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(/\/app\/workspaces\/kbd$/);
    await expect(page.getByTestId('state')).toHaveText('Running', { timeout: 300_000 });
    // Stop is reachable with Tab and confirmed with the keyboard too.
    await page.getByRole('button', { name: 'Stop' }).focus();
    await page.keyboard.press('Enter');
    await expect(page.getByRole('button', { name: 'Yes' })).toBeVisible();
    await page.getByRole('button', { name: 'Cancel' }).press('Enter');
    await expect(page.getByRole('button', { name: 'Stop' })).toBeVisible();
  });

  test('explains a refused action (409) instead of failing silently', async ({ page, stack }) => {
    await page.goto(`${stack.controlPlane}/app/workspaces/kbd`);
    await expect(page.getByTestId('state')).toHaveText('Running');
    // Someone else (another tab, the CLI) stops the workspace while this click is on its way.
    await page.route('**/api/workspaces/kbd/stop', async (route) => {
      expect((await stack.api('POST', '/api/workspaces/kbd/stop')).status).toBe(202);
      await route.continue();
    });
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.getByRole('button', { name: 'Yes' }).click();
    await expect(page.getByRole('alert')).toContainText(/Cannot stop a workspace that is (stopping|stopped)/);
    await stack.screenshot(page, '09-conflict');
    await expect(page.getByTestId('state')).toHaveText('Stopped', { timeout: 120_000 });
  });

  test('says when the connection is lost and recovers by itself', async ({ page, stack }) => {
    await page.goto(`${stack.controlPlane}/app/`);
    await expect(page.getByRole('status').filter({ hasText: 'Live' })).toBeVisible();
    const pid = Number(readFileSync(dataDirLayout(process.env.ROCKPOOL_DATA_DIR ?? '').serverPid, 'utf8'));
    process.kill(pid, 'SIGKILL'); // The supervisor restarts it.
    await expect(page.getByText('Connection lost. Reconnecting by itself')).toBeVisible();
    await stack.screenshot(page, '10-reconnecting');
    await expect(page.getByRole('status').filter({ hasText: 'Live' })).toBeVisible({ timeout: 60_000 });
    await expect(page.getByText('Connection lost')).toHaveCount(0);
    await expect(page.locator('[data-workspace="kbd"]')).toBeVisible();
  });

  test('fits a narrow window without horizontal scrolling', async ({ page, stack }) => {
    await page.setViewportSize({ width: 360, height: 740 });
    for (const path of ['/app/', '/app/workspaces/kbd', '/app/new', '/app/settings']) {
      await page.goto(`${stack.controlPlane}${path}`);
      await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, path).toBeLessThanOrEqual(0);
    }
    await stack.screenshot(page, '11-narrow-detail');
  });
});
