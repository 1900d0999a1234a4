import { expect, type Page } from '@playwright/test';
import { resolveLocalhostNames } from './resolve-localhost.js';

/*
 * What the specs that start a stack of their own (tests/subdomain.spec.ts, tests/path-mode.spec.ts)
 * do with it: API calls as a user, as the CLI sends them (basic auth), and a browser's sign-in and
 * first look at an IDE. The suite's shared stack has the same in fixtures.ts.
 */

// Those stacks live at *.localhost names, as the browser reaches them.
resolveLocalhostNames();

export interface StackUser {
  username: string;
  password: string;
}

export interface ApiAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** A request to the control plane at `controlPlane` as `user` (basic auth), on a fresh connection. */
export async function apiAs(
  controlPlane: string,
  user: StackUser,
  method: string,
  path: string,
  body?: unknown,
): Promise<ApiAnswer> {
  const res = await fetch(`${controlPlane}${path}`, {
    method,
    headers: {
      Authorization: `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`,
      // Caddy closes idle keep-alive connections on every route change: never reuse one.
      Connection: 'close',
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

/** Waits until `name` runs (5 minutes at most); a workspace in `error` fails at once with its error. */
export async function waitRunning(controlPlane: string, user: StackUser, name: string): Promise<void> {
  await expect
    .poll(
      async () => {
        const { body } = await apiAs(controlPlane, user, 'GET', `/api/workspaces/${name}`);
        if (body.state === 'error') throw new Error(`${name} failed to boot: ${String(body.error)}`);
        return body.state;
      },
      { timeout: 300_000, intervals: [1_000] },
    )
    .toBe('running');
}

/** Matches a URL that starts with `prefix` (code-server may add a query to its page's URL). */
export const startsWith = (prefix: string) => new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`);

/** Signs `user` in on the control plane's sign-in page, where srv1 sent the browser. */
export async function signIn(page: Page, controlPlane: string, user: StackUser): Promise<void> {
  await expect(page).toHaveURL(startsWith(`${controlPlane}/auth/`));
  await page.locator('#username').fill(user.username);
  await page.locator('#password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/**
 * Opens `url` (`beforeLoad` runs right after the navigation, e.g. a sign-in) and waits until VS
 * Code's workbench shows and its WebSocket, under `url`, exchanges frames.
 */
export async function openIde(page: Page, url: string, beforeLoad?: () => Promise<void>): Promise<void> {
  const socketPrefix = url.replace(/^http/, 'ws');
  const framed = new Promise<string>((resolve) =>
    page.on('websocket', (ws) => {
      if (ws.url().startsWith(socketPrefix)) ws.once('framereceived', () => resolve(ws.url()));
    }),
  );
  await page.goto(url);
  await beforeLoad?.();
  await expect(page).toHaveURL(startsWith(url));
  await expect(page.locator('.monaco-workbench')).toBeVisible({ timeout: 120_000 });
  await expect(framed).resolves.toContain(socketPrefix);
}
