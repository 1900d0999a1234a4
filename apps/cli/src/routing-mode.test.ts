import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { init } from './commands/init.js';
import { edgeAuth, renderCaddyConfig } from './commands/up.js';
import { ConfigError, configFilePath, parseConfig } from './config-file.js';
import { applyConfigFlags } from './config-flags.js';
import { ideUrlPattern, publicUrls } from './public-urls.js';
import { readSettings, SettingsError } from './settings.js';

const env = (extra: Record<string, string> = {}) => ({
  ROCKPOOL_CADDY_BIN: '/bin/caddy',
  HOME: '/h',
  ...extra,
});
const LOCAL = { ROCKPOOL_PUBLIC_URL: 'http://rockpool.localhost:8080' };

describe('--routing-mode', () => {
  it('defaults to subdomain under *.localhost on this machine alone, with no DNS', () => {
    for (const config of [undefined, applyConfigFlags(undefined, {})]) {
      const settings = readSettings(env(), config);
      expect(settings).toMatchObject({ routingMode: 'subdomain', workspaceDomain: 'ws.rockpool.localhost' });
      expect(publicUrls(settings)).toEqual({
        controlPlane: 'http://rockpool.localhost:8080',
        workspaces: 'http://*.ws.rockpool.localhost:8081',
      });
    }
  });

  it('defaults to path where browsers elsewhere cannot resolve *.localhost to this machine', () => {
    for (const [extra, config] of [
      [{ ROCKPOOL_LISTEN_HOST: '0.0.0.0' }, undefined],
      [{ ROCKPOOL_PUBLIC_URL: 'http://192.168.1.5:8080' }, undefined],
      [{}, applyConfigFlags(undefined, { tls: 'self-signed' })],
      [{}, applyConfigFlags(undefined, { 'routing-mode': 'path' })],
    ] as const) {
      const settings = readSettings(env(extra), config);
      expect({ extra, mode: settings.routingMode, domain: settings.workspaceDomain }).toEqual({
        extra,
        mode: 'path',
        domain: undefined,
      });
    }
  });

  it('defaults to subdomain with a workspace domain', () => {
    const config = applyConfigFlags(undefined, { 'workspace-domain': 'ws.example.com' });
    expect(config.routingMode).toBeUndefined();
    expect(
      readSettings(env({ ROCKPOOL_PUBLIC_URL: 'http://rockpool.example.com:8080' }), config).routingMode,
    ).toBe('subdomain');
    // A *.localhost workspace domain names the control plane's host too: its parent.
    const local = readSettings(
      env(),
      applyConfigFlags(undefined, { 'workspace-domain': 'ws.dev.localhost' }),
    );
    expect(publicUrls(local).controlPlane).toBe('http://dev.localhost:8080');
  });

  it('keeps a chosen mode in the config file, and goes back to the default with an empty value', () => {
    const path = applyConfigFlags(undefined, {
      'workspace-domain': 'ws.rockpool.localhost',
      'routing-mode': 'path',
    });
    expect(path).toMatchObject({ workspaceDomain: 'ws.rockpool.localhost', routingMode: 'path' });
    expect(applyConfigFlags(path, {}).routingMode).toBe('path');
    expect(applyConfigFlags(path, { 'routing-mode': '' }).routingMode).toBeUndefined();
  });

  it('refuses an unknown mode, and subdomain without a workspace domain', () => {
    expect(() => applyConfigFlags(undefined, { 'routing-mode': 'hosts' })).toThrow(
      'the new configuration: unknown routing mode "hosts": use one of path, subdomain',
    );
    expect(() => applyConfigFlags(undefined, { 'routing-mode': 'subdomain' })).toThrow(
      /subdomain routing needs a workspace domain \(--workspace-domain/,
    );
    const subdomain = applyConfigFlags(undefined, {
      'workspace-domain': 'ws.rockpool.localhost',
      'routing-mode': 'subdomain',
    });
    expect(() => applyConfigFlags(subdomain, { 'workspace-domain': '' })).toThrow(ConfigError);
    expect(() => parseConfig({ routingMode: 'subdomain' }, 'rockpool.json')).toThrow(
      /^rockpool.json: subdomain routing needs a workspace domain/,
    );
  });

  it('refuses hosts for which one sign-in cannot cover the workspaces, saying which to use', () => {
    // The control plane would be `localhost`, for which browsers refuse a cookie Domain.
    const config = applyConfigFlags(undefined, { 'workspace-domain': 'ws.localhost' });
    expect(() => readSettings(env(), config)).toThrow(SettingsError);
    expect(() => readSettings(env(), config)).toThrow(
      /control plane \(localhost\) and the workspaces \(\*\.ws\.localhost\).*ROCKPOOL_PUBLIC_URL/,
    );
    expect(() =>
      readSettings(env({ ROCKPOOL_PUBLIC_URL: 'http://rockpool.example.com:8080' }), config),
    ).toThrow(/share no parent/);
    // Path mode keeps the cookie host-only: any host will do.
    expect(readSettings(env(), { ...config, routingMode: 'path' }).routingMode).toBe('path');
  });
});

describe("init's wizard", () => {
  it('asks for the routing mode once a workspace domain is given', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'rockpool-routing-'));
    try {
      const input = new PassThrough();
      input.end(['off', 'all', '', '127.0.0.1', 'ws.rockpool.localhost', 'path', ''].join('\n'));
      const output = new PassThrough();
      let text = '';
      output.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      const io = { env: env({ ROCKPOOL_DATA_DIR: dataDir }), input, output, interactive: true };
      expect(await init([], io)).toBe(0);
      expect(text).toContain('Routing, empty for subdomain');
      expect(text).toContain('routing: path');
      expect(JSON.parse(await readFile(configFilePath(dataDir), 'utf8'))).toMatchObject({
        workspaceDomain: 'ws.rockpool.localhost',
        routingMode: 'path',
      });
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('links by routing mode', () => {
  it('path: the workspace port on the control plane host', () => {
    const settings = readSettings(env(), applyConfigFlags(undefined, { 'routing-mode': 'path' }));
    expect(publicUrls(settings)).toEqual({
      controlPlane: 'http://localhost:8080',
      workspaces: 'http://localhost:8081',
    });
    expect(ideUrlPattern(settings)).toBe('http://localhost:8081/workspace/{name}/');
  });

  it('subdomain: the workspace port under the workspace domain, as a wildcard origin', () => {
    const settings = readSettings(
      env(LOCAL),
      applyConfigFlags(undefined, { 'workspace-domain': 'ws.rockpool.localhost' }),
    );
    expect(publicUrls(settings)).toEqual({
      controlPlane: 'http://rockpool.localhost:8080',
      workspaces: 'http://*.ws.rockpool.localhost:8081',
    });
    expect(ideUrlPattern(settings)).toBe('http://{name}.ws.rockpool.localhost:8081/');
  });

  it('subdomain over HTTPS on the default port: no port in the links', () => {
    const settings = readSettings(
      env(),
      applyConfigFlags(undefined, {
        tls: 'acme',
        domain: 'rockpool.example.com',
        'workspace-domain': 'ws.rockpool.example.com',
        'workspace-port': '443',
        'control-plane-port': '8443',
      }),
    );
    expect(publicUrls(settings).workspaces).toBe('https://*.ws.rockpool.example.com');
    expect(ideUrlPattern(settings)).toBe('https://{name}.ws.rockpool.example.com/');
  });
});

describe('the edge in subdomain mode', () => {
  const withDataDir = async (run: (dataDir: string) => Promise<void>) => {
    const dataDir = await mkdtemp(join(tmpdir(), 'rockpool-routing-edge-'));
    try {
      await run(dataDir);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  };
  const config = applyConfigFlags(undefined, { 'workspace-domain': 'ws.rockpool.localhost' });

  it('tells the control plane the wildcard origin, and routes srv1 by Host', () =>
    withDataDir(async (dataDir) => {
      const settings = readSettings(env({ ...LOCAL, ROCKPOOL_DATA_DIR: dataDir }), config);
      const { config: caddy } = await renderCaddyConfig(settings, new PassThrough());
      const text = JSON.stringify(caddy);
      expect(text).toContain('"X-Rockpool-Workspaces-Origin":["http://*.ws.rockpool.localhost:8081"]');
      const srv1 = (c: typeof caddy) => JSON.stringify(c.apps?.http?.servers?.srv1);
      expect(srv1(caddy)).toContain('header_regexp');
      const path = readSettings(env({ ROCKPOOL_DATA_DIR: dataDir }), { ...config, routingMode: 'path' });
      expect(srv1((await renderCaddyConfig(path, new PassThrough())).config)).not.toContain('header_regexp');
    }));

  it("gives the GitHub portal's cookie the password sign-in's Domain", () =>
    withDataDir(async (dataDir) => {
      const github = {
        GITHUB_OAUTH_CLIENT_ID: 'id',
        GITHUB_OAUTH_CLIENT_SECRET: 'secret',
        ROCKPOOL_GITHUB_ALLOW_USERS: 'alice',
      };
      const settings = readSettings(env({ ...LOCAL, ...github, ROCKPOOL_DATA_DIR: dataDir }), config);
      const { auth } = await edgeAuth(settings);
      expect(auth).toMatchObject({ kind: 'portal', cookieDomain: 'rockpool.localhost' });
      const path = readSettings(
        env({ ...github, ROCKPOOL_DATA_DIR: dataDir }),
        applyConfigFlags(undefined, { 'routing-mode': 'path' }),
      );
      expect((await edgeAuth(path)).auth).not.toHaveProperty('cookieDomain');
    }));
});
