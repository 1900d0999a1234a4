import { expect, test } from '../fixtures.js';

/**
 * A browser with no session that opens a workspace URL is sent to the control plane's sign-in page
 * and, once signed in there, back to the workspace URL on its own host (the sign-in page's CSP must
 * let its form lead there). No VM is needed: an unknown workspace's 404 shows the browser came back,
 * holding the session. tests/path-mode.spec.ts does the same in path mode.
 */
test('signing in from a workspace URL leads back to it', async ({ browser, stack }) => {
  // No session: Playwright would otherwise give this context the suite's signed-in storage state.
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  try {
    const page = await context.newPage();
    const wanted = stack.ideUrl('nobody');
    await page.goto(wanted);
    await expect(page).toHaveURL(new RegExp(`^${stack.controlPlane}/auth/\\?redirect_url=`));
    await page.locator('#username').fill(stack.credentials.username);
    await page.locator('#password').fill(stack.credentials.password);
    const [answer] = await Promise.all([
      page.waitForResponse((response) => response.url() === wanted, { timeout: 30_000 }),
      page.getByRole('button', { name: 'Sign in' }).click(),
    ]);
    expect(answer.status()).toBe(404);
    await expect(page).toHaveURL(wanted);
    expect(JSON.parse((await page.locator('body').textContent()) ?? '')).toMatchObject({
      error: { code: 'not_found' },
    });
  } finally {
    await context.close();
  }
});

test('a browser that opens the dashboard as localhost signs in at rockpool.localhost', async ({
  browser,
  stack,
}) => {
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  try {
    const page = await context.newPage();
    // The session cookie's Domain is rockpool.localhost: a sign-in under `localhost` could not set it.
    await page.goto(`http://localhost:${new URL(stack.controlPlane).port}/app/`);
    await expect(page).toHaveURL(new RegExp(`^${stack.controlPlane}/auth/`));
    await page.locator('#username').fill(stack.credentials.username);
    await page.locator('#password').fill(stack.credentials.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(`${stack.controlPlane}/app/`);
    await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  } finally {
    await context.close();
  }
});
