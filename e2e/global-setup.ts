import { resolveLocalhostNames } from './resolve-localhost.js';
import { startStack } from './stack.js';

/**
 * Starts Rockpool with scripts/run.sh and a test profile, in the local default (subdomain mode: an
 * origin per IDE and per app under `ws.rockpool.localhost`, no DNS: Chromium and resolve-localhost.ts
 * take every `*.localhost` to loopback); the returned function stops it. tests/path-mode.spec.ts runs
 * a stack of its own in path mode.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  const profile = {
    CADDY_USERNAME: 'e2e',
    CADDY_PASSWORD: 'e2e-password-not-secret',
    // The suite makes many writes on purpose; the default policy would throttle it.
    ROCKPOOL_RATE_LIMITS: JSON.stringify({ apiWrite: [{ window: '1m', maxEvents: 1000 }] }),
  };
  resolveLocalhostNames();
  const stack = await startStack({ logsName: 'stack-logs', env: profile });
  if (!stack.workspaceDomain) throw new Error('the local default stack has no workspace domain');
  Object.assign(process.env, profile, {
    ROCKPOOL_DATA_DIR: stack.dataDir,
    ROCKPOOL_CONTROL_PLANE_PORT: String(stack.controlPlanePort),
    ROCKPOOL_WORKSPACE_PORT: String(stack.workspacePort),
    ROCKPOOL_LISTEN_HOST: '127.0.0.1',
    ROCKPOOL_NO_LINK: '1',
    E2E_CONTROL_PLANE: stack.controlPlane,
    E2E_WORKSPACE_DOMAIN: stack.workspaceDomain,
    E2E_WORKSPACE_PORT: String(stack.workspacePort),
  });
  return stack.stop;
}
