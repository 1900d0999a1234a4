import type { Browser } from '@playwright/test';
import { signInCookie } from '@rockpool/caddy/testing';
import { expect, type Stack, test } from '../fixtures.js';
import { apiAs as apiAsAt } from '../stack-client.js';

/**
 * Two members on the real stack, in Chromium: alice creates a workspace; bob, signed in as
 * himself, gets the same 404 for its IDE (and its private port) as for a workspace that does not
 * exist, because the edge itself checks the owner. The stack's own user, the first admin, creates
 * both and cleans up.
 */
const alice = { username: 'alice', password: 'alice-e2e-password' };
const bob = { username: 'bob', password: 'bob-e2e-password-1' };
const name = 'alices';

/** A request to the control plane as `user` (basic auth, as the CLI sends it). */
const apiAs = (stack: Stack, user: typeof alice, method: string, path: string, body?: unknown) =>
  apiAsAt(stack.controlPlane, user, method, path, body);

/**
 * What `user`'s Chromium shows at `url` on the workspace origin: the status and the page's text.
 * The browser holds `user`'s own session, from the control plane's sign-in (the workspace server
 * takes no password).
 */
async function openAs(browser: Browser, stack: Stack, user: typeof alice, url: string) {
  const [cookieName = '', value = ''] = (await signInCookie(stack.controlPlane, user)).split(/=(.*)/s);
  const origin = new URL(stack.controlPlane);
  const context = await browser.newContext({
    storageState: {
      cookies: [
        {
          name: cookieName,
          value,
          domain: `.${origin.hostname}`,
          path: '/',
          expires: -1,
          httpOnly: true,
          secure: origin.protocol === 'https:',
          sameSite: 'Lax',
        },
      ],
      origins: [],
    },
  });
  try {
    const page = await context.newPage();
    const response = await page.goto(url);
    return { status: response?.status(), text: (await page.locator('body').textContent()) ?? '' };
  } finally {
    await context.close();
  }
}

test.describe('two users', () => {
  test.describe.configure({ mode: 'serial' });

  test.afterAll(async ({ stack }) => {
    await stack.api('DELETE', `/api/workspaces/${name}`);
    await expect
      .poll(async () => (await stack.api('GET', `/api/workspaces/${name}`)).status, { timeout: 120_000 })
      .toBe(404);
    for (const user of [alice, bob]) await stack.api('DELETE', `/api/users/${user.username}`);
  });

  test("bob gets 404 for alice's IDE and private port, as for an unknown workspace", async ({
    browser,
    stack,
  }) => {
    await test.step('the admin adds alice and bob, members', async () => {
      for (const user of [alice, bob]) {
        const added = await stack.api('POST', '/api/users', { name: user.username, password: user.password });
        expect(added.status, JSON.stringify(added.body)).toBe(201);
      }
    });

    await test.step('alice creates a workspace and a private port; it runs', async () => {
      const created = await apiAs(stack, alice, 'POST', '/api/workspaces', { name });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      expect(created.body).toMatchObject({ owner: 'alice' });
      await expect
        .poll(async () => (await apiAs(stack, alice, 'GET', `/api/workspaces/${name}`)).body.state, {
          timeout: 300_000,
        })
        .toBe('running');
      expect(
        (await apiAs(stack, alice, 'POST', `/api/workspaces/${name}/ports`, { port: 3000 })).status,
      ).toBe(201);
    });

    const ide = stack.ideUrl(name);
    await test.step('alice opens her IDE in Chromium', async () => {
      expect((await openAs(browser, stack, alice, ide)).status).toBe(200);
    });

    await test.step('bob, in his own Chromium, gets the 404 of an unknown workspace', async () => {
      const unknown = await openAs(browser, stack, bob, stack.ideUrl('nobodys'));
      expect(unknown.status).toBe(404);
      const expected = { status: 404, text: unknown.text.replace('nobodys', name) };
      expect(JSON.parse(expected.text)).toMatchObject({ error: { code: 'not_found' } });
      expect(await openAs(browser, stack, bob, ide)).toEqual(expected);
      expect(await openAs(browser, stack, bob, stack.portUrl(name, 3000))).toEqual(expected);
      expect(await openAs(browser, stack, bob, `${ide}port/3000/`)).toEqual(expected);
      // The API says the same: for bob, alice's workspace does not exist.
      expect((await apiAs(stack, bob, 'GET', `/api/workspaces/${name}`)).status).toBe(404);
    });
  });
});
