import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSettings } from '../config-file.js';
import { SettingsError } from '../settings.js';
import { devTools } from '../stack-processes.js';
import { type RunningStack, up } from './up.js';

/** Ports of `rockpool dev` unless ROCKPOOL_DEV_* say otherwise: next to, never on, the real ones. */
export const DEV_DEFAULTS = { controlPlanePort: 8090, workspacePort: 8091, vitePort: 5173 };

/** The checkout this CLI runs from (`apps/cli/src/commands` or `apps/cli/dist/commands`). */
const CHECKOUT = resolve(fileURLToPath(import.meta.url), '..', '..', '..', '..', '..');

function devPort(env: NodeJS.ProcessEnv, name: string, fallback: number): string {
  const raw = env[name];
  if (raw === undefined || raw === '') return String(fallback);
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535)
    throw new SettingsError(`${name} must be a TCP port from 1 to 65535 (got ${JSON.stringify(raw)})`);
  return raw;
}

/**
 * The environment of a development stack. Its data dir and ports come from ROCKPOOL_DEV_* only, so
 * a ROCKPOOL_DATA_DIR or port exported for the real Rockpool (an .envrc) never reaches it: `pnpm dev`
 * cannot touch a user's workspaces. The per-user read limit is raised, since Vite serves every
 * module as its own request; every other zone stays as in production.
 */
export function devEnvironment(
  env: NodeJS.ProcessEnv,
  root: string,
): { env: NodeJS.ProcessEnv; vitePort: number } {
  return {
    env: {
      ...env,
      ROCKPOOL_DATA_DIR: resolve(env.ROCKPOOL_DEV_DATA_DIR || join(root, '.rockpool', 'dev')),
      ROCKPOOL_LISTEN_HOST: '127.0.0.1',
      ROCKPOOL_CONTROL_PLANE_PORT: devPort(
        env,
        'ROCKPOOL_DEV_CONTROL_PLANE_PORT',
        DEV_DEFAULTS.controlPlanePort,
      ),
      ROCKPOOL_WORKSPACE_PORT: devPort(env, 'ROCKPOOL_DEV_WORKSPACE_PORT', DEV_DEFAULTS.workspacePort),
      ROCKPOOL_RATE_LIMITS:
        env.ROCKPOOL_RATE_LIMITS || JSON.stringify({ apiRead: [{ window: '1m', maxEvents: 6000 }] }),
    },
    vitePort: Number(devPort(env, 'ROCKPOOL_DEV_VITE_PORT', DEV_DEFAULTS.vitePort)),
  };
}

/** `rockpool dev` (`pnpm dev`): the whole stack from this checkout's sources, reloaded on change. */
export async function dev(env: NodeJS.ProcessEnv = process.env): Promise<RunningStack> {
  const { env: devEnv, vitePort } = devEnvironment(env, CHECKOUT);
  const settings = await loadSettings(devEnv);
  return up(settings, process.stderr, { kind: 'dev', tools: devTools(CHECKOUT), vitePort });
}
