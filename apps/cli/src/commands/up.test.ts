import { describe, expect, it } from 'vitest';
import { publicUrls } from '../public-urls.js';
import { readSettings } from '../settings.js';

const settings = (env: Record<string, string>, tls?: { mode: 'acme'; domain: string }) =>
  readSettings(
    { ROCKPOOL_CADDY_BIN: '/bin/caddy', HOME: '/h', ...env },
    tls
      ? {
          listenHost: '0.0.0.0',
          ports: { controlPlane: 443, workspaces: 8443, http: 80 },
          tls,
          access: { mode: 'all', allow: [], trustedProxies: [] },
        }
      : undefined,
  );

describe('publicUrls', () => {
  it.each([
    // The local default: subdomains under *.localhost, which need no DNS.
    [{}, 'http://rockpool.localhost:8080', 'http://*.ws.rockpool.localhost:8081'],
    [{ ROCKPOOL_LISTEN_HOST: '127.0.0.2' }, 'http://127.0.0.2:8080', 'http://127.0.0.2:8081'],
    [{ ROCKPOOL_LISTEN_HOST: '0.0.0.0' }, 'http://localhost:8080', 'http://localhost:8081'],
    [
      { ROCKPOOL_PUBLIC_URL: 'https://rockpool.example.com' },
      'https://rockpool.example.com',
      'https://rockpool.example.com:8081',
    ],
    [
      { ROCKPOOL_PUBLIC_URL: 'http://192.168.1.5:9000/', ROCKPOOL_WORKSPACE_PORT: '9001' },
      'http://192.168.1.5:9000',
      'http://192.168.1.5:9001',
    ],
  ])('with %j: %s and %s', (env, controlPlane, workspaces) => {
    expect(publicUrls(settings(env))).toEqual({ controlPlane, workspaces });
  });

  it('uses the ACME domain over HTTPS, without the default port', () => {
    expect(publicUrls(settings({}, { mode: 'acme', domain: 'dev.example.com' }))).toEqual({
      controlPlane: 'https://dev.example.com',
      workspaces: 'https://dev.example.com:8443',
    });
  });
});
