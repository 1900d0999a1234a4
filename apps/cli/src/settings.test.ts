import { describe, expect, it } from 'vitest';
import { readSettings } from './settings.js';

const base = { ROCKPOOL_CADDY_BIN: '/bin/caddy', HOME: '/home/u' };

describe('readSettings', () => {
  it('has defaults a new user can run with', () => {
    const settings = readSettings(base);
    expect(settings).toMatchObject({
      dataDir: '/home/u/.local/share/rockpool',
      listenHost: '127.0.0.1',
      controlPlanePort: 8080,
      workspacePort: 8081,
      username: 'admin',
      password: undefined,
      github: undefined,
      adminIdeAccess: false,
      publicPorts: false,
    });
  });

  it('turns admin IDE access and public ports on only when told', () => {
    const settings = readSettings({ ...base, ROCKPOOL_ADMIN_IDE_ACCESS: 'true', ROCKPOOL_PUBLIC_PORTS: '1' });
    expect(settings).toMatchObject({ adminIdeAccess: true, publicPorts: true });
  });

  it('reads GitHub OAuth from the environment', () => {
    const settings = readSettings({
      ...base,
      GITHUB_OAUTH_CLIENT_ID: 'the-id',
      GITHUB_OAUTH_CLIENT_SECRET: 'the-secret',
      ROCKPOOL_GITHUB_ALLOW_USERS: 'octocat, hubot',
      ROCKPOOL_GITHUB_ALLOW_ORGS: 'acme',
      ROCKPOOL_PUBLIC_URL: 'https://rockpool.example.com/',
    });
    expect(settings.github).toEqual({
      clientId: 'the-id',
      clientSecret: 'the-secret',
      allowUsers: ['octocat', 'hubot'],
      allowOrgs: ['acme'],
    });
    expect(settings.publicUrl).toBe('https://rockpool.example.com');
  });

  it.each([
    [{ ROCKPOOL_CONTROL_PLANE_PORT: 'eighty' }, /ROCKPOOL_CONTROL_PLANE_PORT must be a TCP port/],
    [{ ROCKPOOL_WORKSPACE_PORT: '70000' }, /ROCKPOOL_WORKSPACE_PORT must be a TCP port/],
    [{ ROCKPOOL_WORKSPACE_PORT: '8080' }, /two different ports/],
    [{ ROCKPOOL_RATE_LIMITS: '{nope' }, /ROCKPOOL_RATE_LIMITS is not valid JSON/],
    [{ GITHUB_OAUTH_CLIENT_ID: 'id' }, /GITHUB_OAUTH_CLIENT_SECRET/],
    [{ GITHUB_OAUTH_CLIENT_ID: 'id', GITHUB_OAUTH_CLIENT_SECRET: 's' }, /ROCKPOOL_GITHUB_ALLOW_USERS/],
    [
      {
        GITHUB_OAUTH_CLIENT_ID: 'id',
        GITHUB_OAUTH_CLIENT_SECRET: 's',
        ROCKPOOL_GITHUB_ALLOW_ORGS: 'acme',
        ROCKPOOL_PUBLIC_URL: 'rockpool.example.com',
      },
      /ROCKPOOL_PUBLIC_URL must be/,
    ],
    [{ ROCKPOOL_PUBLIC_URL: 'https://rockpool.example.com/app' }, /ROCKPOOL_PUBLIC_URL must be/],
    [{ ROCKPOOL_CADDY_BIN: '' }, /ROCKPOOL_CADDY_BIN is not set/],
    [{ ROCKPOOL_PUBLIC_PORTS: 'sometimes' }, /ROCKPOOL_PUBLIC_PORTS must be true or false/],
  ])('explains a bad setting %j', (env, message) => {
    expect(() => readSettings({ ...base, ...env })).toThrow(message);
  });
});
