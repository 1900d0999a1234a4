import { describe, expect, it } from 'vitest';
import { readControlPlaneHost, readWorkspaceAddressing } from './settings.js';

describe('readWorkspaceAddressing', () => {
  it('takes the origin rockpool up gives in path mode, with a default', () => {
    expect(readWorkspaceAddressing({ ROCKPOOL_WORKSPACE_URL: 'https://rockpool.example.com:8443' })).toEqual({
      mode: 'path',
      origin: 'https://rockpool.example.com:8443',
    });
    expect(readWorkspaceAddressing({})).toEqual({ mode: 'path', origin: 'http://localhost:8081' });
  });

  it('takes the wildcard origin of subdomain mode', () => {
    expect(
      readWorkspaceAddressing({ ROCKPOOL_WORKSPACE_URL: 'http://*.ws.rockpool.localhost:8081' }),
    ).toEqual({
      mode: 'subdomain',
      scheme: 'http',
      domain: 'ws.rockpool.localhost',
      port: 8081,
    });
  });

  it.each([
    'localhost:8081',
    'https://rockpool.example.com/',
    'ftp://x',
    'http://x:8081/ws',
    'http://*.X.com',
  ])('refuses %s, which is neither', (value) => {
    expect(() => readWorkspaceAddressing({ ROCKPOOL_WORKSPACE_URL: value })).toThrow(
      /ROCKPOOL_WORKSPACE_URL must be an origin .* or a wildcard origin/,
    );
  });
});

describe('readControlPlaneHost', () => {
  it("takes the host of the control plane's origin, or none", () => {
    expect(readControlPlaneHost({ ROCKPOOL_CONTROL_PLANE_URL: 'http://rockpool.localhost:8080' })).toBe(
      'rockpool.localhost',
    );
    expect(readControlPlaneHost({})).toBeUndefined();
  });

  it.each(['rockpool.localhost', 'http://*.rockpool.localhost', 'http://x/app'])('refuses %s', (value) => {
    expect(() => readControlPlaneHost({ ROCKPOOL_CONTROL_PLANE_URL: value })).toThrow(
      /ROCKPOOL_CONTROL_PLANE_URL must be an origin/,
    );
  });
});
