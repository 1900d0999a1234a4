import { defineConfig } from '@playwright/test';

/**
 * The stack is started once by global-setup.ts the way a user starts it (scripts/run.sh) with a
 * test profile (its own ports, data directory and credentials), and stopped by its teardown. It
 * runs in path mode; tests/subdomain.spec.ts starts a second stack, in subdomain mode, for itself
 * (its workspaces boot cold: the guest snapshot has path mode's port links).
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
