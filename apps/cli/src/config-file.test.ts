import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configFilePath, parseConfig, readConfigFile } from './config-file.js';
import { applyConfigFlags } from './config-flags.js';
import { readSettings } from './settings.js';

describe('config file', () => {
  it('fills defaults: plain HTTP on this machine, 8080/8081', () => {
    expect(parseConfig({})).toEqual({
      listenHost: '127.0.0.1',
      ports: { controlPlane: 8080, workspaces: 8081, http: 80 },
      tls: { mode: 'off' },
      access: { mode: 'all', allow: [], trustedProxies: [] },
    });
  });

  it.each([
    [{ tls: { mode: 'maybe' } }, /unknown TLS mode "maybe"/],
    [{ access: { mode: 'friends' } }, /unknown access mode "friends"/],
    [{ access: { mode: 'restrict-all', allow: ['10.0.0.300'] } }, /allow list: "10.0.0.300"/],
    [{ access: { mode: 'restrict-all' } }, /needs an allow list/],
    [{ tls: { mode: 'custom', certFile: 'a.pem' } }, /tls.keyFile must be a non-empty string/],
    [{ tls: { mode: 'acme' } }, /tls.domain/],
    [{ ports: { controlPlane: 0 } }, /ports.controlPlane must be a TCP port/],
    [{ ports: { controlPlane: 9000, workspaces: 9000 } }, /different ports/],
  ])('explains %j', (raw, message) => {
    expect(() => parseConfig(raw, 'rockpool.json')).toThrow(message);
  });

  it('reads a file with clear errors for bad JSON, and nothing when there is none', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rockpool-config-'));
    try {
      expect(await readConfigFile(dir)).toBeUndefined();
      await writeFile(configFilePath(dir), '{"tls":');
      await expect(readConfigFile(dir)).rejects.toThrow(/rockpool.json is not valid JSON/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('moves to the TLS ports and the network when TLS is switched on, keeps what was chosen otherwise', () => {
    const local = applyConfigFlags(undefined, {});
    const tls = applyConfigFlags(local, { tls: 'self-signed' });
    expect(tls.ports).toEqual({ controlPlane: 443, workspaces: 8443, http: 80 });
    expect(tls.listenHost).toBe('127.0.0.1');
    expect(applyConfigFlags(undefined, { tls: 'self-signed' }).listenHost).toBe('0.0.0.0');
    const custom = applyConfigFlags(tls, {
      'control-plane-port': '9443',
      access: 'restrict-app',
      allow: '10.0.0.0/8',
    });
    expect(applyConfigFlags(custom, { access: 'mtls-app' })).toMatchObject({
      ports: { controlPlane: 9443 },
      access: { mode: 'mtls-app', allow: ['10.0.0.0/8'] },
    });
  });

  it('lets the environment override the file', () => {
    const config = applyConfigFlags(undefined, { tls: 'self-signed' });
    const settings = readSettings(
      { ROCKPOOL_CADDY_BIN: '/bin/caddy', HOME: '/h', ROCKPOOL_WORKSPACE_PORT: '9999' },
      config,
    );
    expect(settings).toMatchObject({
      controlPlanePort: 443,
      workspacePort: 9999,
      httpPort: 80,
      listenHost: '0.0.0.0',
    });
  });
});
