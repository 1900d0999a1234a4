import { join } from 'node:path';
import { test as base, expect, type Page } from '@playwright/test';
import { QemuRuntime } from '@rockpool/worker';

export interface Stack {
  controlPlane: string;
  workspaces: string;
  credentials: { username: string; password: string };
  /** Runs a command inside a workspace VM (through the guest agent). */
  exec(workspace: string, command: string): Promise<{ exitCode: number; stdout: string }>;
  api(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> }>;
  screenshot(page: Page, name: string): Promise<void>;
}

export const test = base.extend<{ stack: Stack }>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from this pattern.
  httpCredentials: async ({}, use) => {
    await use({ username: process.env.CADDY_USERNAME ?? '', password: process.env.CADDY_PASSWORD ?? '' });
  },
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from this pattern.
  stack: async ({}, use, testInfo) => {
    const controlPlane = process.env.E2E_CONTROL_PLANE ?? '';
    const credentials = {
      username: process.env.CADDY_USERNAME ?? '',
      password: process.env.CADDY_PASSWORD ?? '',
    };
    const authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
    const qemu = new QemuRuntime({
      imageDir: process.env.ROCKPOOL_GUEST_IMAGE ?? '',
      stateDir: join(process.env.ROCKPOOL_DATA_DIR ?? '', 'vms'),
    });
    await use({
      controlPlane,
      workspaces: process.env.E2E_WORKSPACES ?? '',
      credentials,
      exec: (workspace, command) => qemu.exec(workspace, ['/bin/bash', '-lc', command]),
      api: async (method, path, body) => {
        const res = await fetch(`${controlPlane}${path}`, {
          method,
          headers: {
            Authorization: authorization,
            // Caddy closes idle keep-alive connections on every route change; never reuse one.
            Connection: 'close',
            ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        const text = await res.text();
        return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
      },
      // Screenshots of each page are kept as artifacts of the run.
      screenshot: async (page, name) => {
        const path = join(import.meta.dirname, 'test-results', 'screenshots', `${name}.png`);
        await page.screenshot({ path, fullPage: true });
        await testInfo.attach(name, { path, contentType: 'image/png' });
      },
    });
  },
});

export { expect };
