import { describe, expect, it } from 'vitest';
import { stackProcessEnv } from './stack-env.js';

/** The system's settings and Rockpool's non-secret ones: what the stack's processes keep. */
const passed = {
  PATH: '/usr/bin',
  HOME: '/home/u',
  LC_ALL: 'C.UTF-8',
  TART_HOME: '/tart',
  ROCKPOOL_RUNTIME: 'qemu',
  ROCKPOOL_GUEST_IMAGE: '/img',
  ROCKPOOL_GITHUB_ALLOW_USERS: 'octocat',
};

describe('stackProcessEnv', () => {
  it("passes the system's and Rockpool's settings, and no secret", () => {
    const env = stackProcessEnv({
      ...passed,
      CADDY_USERNAME: 'admin',
      CADDY_PASSWORD: 'secret',
      GITHUB_OAUTH_CLIENT_ID: 'id',
      GITHUB_OAUTH_CLIENT_SECRET: 'secret',
      ROCKPOOL_OAUTH_SIGNING_KEY: 'secret',
      ROCKPOOL_SOME_TOKEN: 'secret',
      AWS_SECRET_ACCESS_KEY: 'secret',
      SSH_AUTH_SOCK: '/agent',
    });
    expect(env).toEqual(passed);
  });
});
