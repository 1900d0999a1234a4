import { defineConfig } from '@playwright/test';

/**
 * The stack is started once by global-setup.ts the way a user starts it (scripts/run.sh) with a
 * test profile (its own ports, data directory and credentials), and stopped by its teardown. It
 * runs in subdomain mode at `rockpool.localhost` and `*.ws.rockpool.localhost` (no DNS: Chromium
 * resolves `*.localhost` to loopback). tests/subdomain.spec.ts (two users, cross-origin attacks) and
 * tests/path-mode.spec.ts (path mode's smoke test) start stacks of their own.
 * Browsers: Debian's Chromium on Linux (`apt-get install chromium`), Playwright's own on macOS.
 */
export default defineConfig({
  testDir: './tests',
  globalSetup: './global-setup.ts',
  fullyParallel: false,
  workers: 1,
  timeout: 600_000,
  expect: { timeout: 30_000 },
  outputDir: './test-results/artifacts',
  reporter: [
    ['list'],
    ['html', { outputFolder: './playwright-report', open: 'never' }],
    ['json', { outputFile: './test-results/playwright.json' }],
  ],
  projects: [
    { name: 'e2e', testIgnore: /rate-limit\.spec\.ts$/ },
    // Exceeding the rate limit throttles the e2e user for a minute: it goes last.
    { name: 'rate-limit', testMatch: /rate-limit\.spec\.ts$/, dependencies: ['e2e'] },
  ],
  use: {
    headless: true,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      // Linux: Debian's Chromium. macOS: Playwright's own (`playwright install chromium`).
      executablePath:
        process.env.ROCKPOOL_CHROMIUM ?? (process.platform === 'linux' ? '/usr/bin/chromium' : undefined),
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-dev-shm-usage',
        '--disable-component-update',
      ],
    },
  },
});
