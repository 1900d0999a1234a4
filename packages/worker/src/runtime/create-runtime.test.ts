import { describe, expect, it } from 'vitest';
import { routingModeFromEnv } from './create-runtime.js';

describe('routingModeFromEnv', () => {
  it("reads the mode from the workspaces' URL rockpool up gives the stack", () => {
    expect(routingModeFromEnv({})).toBe('path');
    expect(routingModeFromEnv({ ROCKPOOL_WORKSPACE_URL: 'http://localhost:8081' })).toBe('path');
    expect(routingModeFromEnv({ ROCKPOOL_WORKSPACE_URL: 'http://*.ws.rockpool.localhost:8081' })).toBe(
      'subdomain',
    );
  });

  it('refuses anything else', () => {
    expect(() => routingModeFromEnv({ ROCKPOOL_WORKSPACE_URL: 'localhost:8081' })).toThrow(
      /ROCKPOOL_WORKSPACE_URL must be an origin/,
    );
  });
});
