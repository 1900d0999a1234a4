import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { expect, test } from '@playwright/test';
import { caddyBinaryForTests, edgeRequest, freePort } from '@rockpool/caddy/testing';
import { dataDirLayout } from '@rockpool/model/data-dir';

/**
 * mtls-app in the browser. The shared e2e stack runs plain HTTP, so this spec starts its own
 * Rockpool (the CLI's `init --tls self-signed --access mtls-app`, then `up`) on free ports.
 */
const root = join(import.meta.dirname, '..', '..');
const cli = join(root, 'apps', 'cli', 'dist', 'main.js');
const user = { username: 'mtls', password: 'mtls-password-not-secret' };

let dataDir: string;
let controlPlane: string;
let stack: ChildProcess;
let exited: Promise<void>;

test.beforeAll(async () => {
  test.setTimeout(180_000);
  dataDir = mkdtempSync(join(tmpdir(), 'rockpool-e2e-mtls-'));
  const [cpPort, wsPort, httpPort] = [await freePort(), await freePort(), await freePort()];
  const env = {
    ...process.env,
    ROCKPOOL_DATA_DIR: dataDir,
    ROCKPOOL_CADDY_BIN: caddyBinaryForTests(),
    ROCKPOOL_LISTEN_HOST: '127.0.0.1',
    ROCKPOOL_CONTROL_PLANE_PORT: String(cpPort),
    ROCKPOOL_WORKSPACE_PORT: String(wsPort),
    ROCKPOOL_HTTP_PORT: String(httpPort),
    CADDY_USERNAME: user.username,
    CADDY_PASSWORD: user.password,
  };
  controlPlane = `https://127.0.0.1:${cpPort}`;
  await promisify(execFile)(process.execPath, [cli, 'init', '--tls', 'self-signed', '--access', 'mtls-app'], {
    env,
  });
  stack = spawn(process.execPath, [cli, 'up'], { env, detached: true, stdio: 'ignore' });
  exited = new Promise((resolve) => stack.once('exit', () => resolve()));
  const ca = readFileSync(join(dataDirLayout(dataDir).tlsDir, 'server.crt'));
  for (let i = 0; ; i++) {
    // Any answer over TLS will do: without a guest image (outside scripts/test.sh) the worker
    // cannot start and health says 503 "degraded", which this spec does not need.
    const health = await edgeRequest(`${controlPlane}/api/health`, { ca }).catch(() => undefined);
    if (health) break;
    if (i > 120) throw new Error('the mtls-app stack did not become healthy');
    await sleep(500);
  }
});

test.afterAll(async () => {
  if (stack?.pid && stack.exitCode === null) {
    process.kill(-stack.pid, 'SIGINT');
    await Promise.race([exited, sleep(60_000)]);
    if (stack.exitCode === null) process.kill(-stack.pid, 'SIGKILL');
  }
  rmSync(dataDir, { recursive: true, force: true });
});

test('without a client certificate the dashboard is refused at the edge', async ({ browser }) => {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  const response = await page.goto(`${controlPlane}/app/`);
  expect(response?.status()).toBe(403);
  await expect(page.getByText('client_certificate_required')).toBeVisible();
  await context.close();
});

test('Settings → Users → Cert downloads a .p12 that opens with its password', async ({
  browser,
}, testInfo) => {
  const admin = join(dataDirLayout(dataDir).clientCertsDir, `${user.username}.p12`);
  const context = await browser.newContext({
    ignoreHTTPSErrors: true,
    clientCertificates: [
      { origin: controlPlane, pfxPath: admin, passphrase: readFileSync(`${admin}.password`, 'utf8').trim() },
    ],
  });
  const page = await context.newPage();
  // Past the certificate check, the edge sends the browser to sign in, and the sign-in back here.
  await page.goto(`${controlPlane}/app/settings`);
  await page.fill('#username', user.username);
  await page.fill('#password', user.password);
  await Promise.all([page.waitForURL(`${controlPlane}/app/settings`), page.click('button[type=submit]')]);
  await page
    .getByRole('row', { name: new RegExp(user.username) })
    .getByRole('button', { name: 'Cert' })
    .click();
  const password = page.getByLabel(`Password for ${user.username}.p12`, { exact: false });
  await password.fill('short');
  await page.getByRole('button', { name: 'Download .p12' }).click();
  await expect(page.getByText('The password needs at least 8 characters.')).toBeVisible();

  await password.fill('browser-p12-password');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download .p12' }).click(),
  ]);
  expect(download.suggestedFilename()).toBe(`${user.username}.p12`);
  const file = testInfo.outputPath(`${user.username}.p12`);
  await download.saveAs(file);
  const info = (password: string) =>
    execFileSync('openssl', ['pkcs12', '-info', '-noout', '-in', file, '-passin', `pass:${password}`], {
      stdio: 'pipe',
    });
  expect(() => info('browser-p12-password')).not.toThrow();
  expect(() => info('not-the-password')).toThrow();
  await context.close();
});
