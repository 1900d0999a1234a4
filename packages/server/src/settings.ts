import { availableParallelism, totalmem } from 'node:os';
import { type AccessLogRetention, DEFAULT_ACCESS_LOG_RETENTION } from '@rockpool/db';
import {
  booleanSetting,
  PUBLIC_PORTS_SETTING,
  parseAddressing,
  type ResourceLimits,
  type WorkspaceAddressing,
} from '@rockpool/model';

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${name} must be a positive integer (got ${JSON.stringify(raw)})`);
  return value;
}

/** Resource limits for workspaces: by default what this machine can give one VM. */
export function readLimits(env: NodeJS.ProcessEnv = process.env): ResourceLimits {
  const maxCpus = positiveInt(env, 'ROCKPOOL_MAX_CPUS', availableParallelism());
  const maxMemoryMiB = positiveInt(env, 'ROCKPOOL_MAX_MEMORY_MIB', Math.floor(totalmem() / 1024 / 1024 / 2));
  return {
    maxCpus,
    maxMemoryMiB,
    minMemoryMiB: 512,
    defaultCpus: Math.min(2, maxCpus),
    defaultMemoryMiB: Math.min(2048, maxMemoryMiB),
  };
}

/** How many access log entries are kept, and for how long (defaults: 100 000 entries, 14 days). */
export function readAccessLogRetention(env: NodeJS.ProcessEnv = process.env): AccessLogRetention {
  return {
    maxRows: positiveInt(env, 'ROCKPOOL_ACCESS_LOG_MAX_ENTRIES', DEFAULT_ACCESS_LOG_RETENTION.maxRows),
    maxAgeMs:
      positiveInt(
        env,
        'ROCKPOOL_ACCESS_LOG_MAX_AGE_DAYS',
        DEFAULT_ACCESS_LOG_RETENTION.maxAgeMs / 86_400_000,
      ) * 86_400_000,
  };
}

/**
 * Where browsers reach the workspaces (`ROCKPOOL_WORKSPACE_URL`, which `rockpool up` sets from its
 * settings): the origin of every IDE and app in path mode (`http://localhost:8081`, the default), a
 * wildcard origin in subdomain mode (`https://*.ws.example.com:8443`); see formatAddressing.
 */
export function readWorkspaceAddressing(env: NodeJS.ProcessEnv = process.env): WorkspaceAddressing {
  const raw = env.ROCKPOOL_WORKSPACE_URL;
  if (raw === undefined || raw === '') return { mode: 'path', origin: 'http://localhost:8081' };
  const addressing = parseAddressing(raw);
  if (!addressing)
    throw new Error(
      `ROCKPOOL_WORKSPACE_URL must be an origin like https://rockpool.example.com:8443 (path mode) or a wildcard origin like https://*.ws.example.com:8443 (subdomain mode) (got ${JSON.stringify(raw)})`,
    );
  return addressing;
}

/**
 * The control plane's host as browsers reach it (from `ROCKPOOL_CONTROL_PLANE_URL`, which `rockpool
 * up` sets), which the session cookie's Domain is decided from; undefined: the request's host.
 */
export function readControlPlaneHost(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const raw = env.ROCKPOOL_CONTROL_PLANE_URL;
  if (raw === undefined || raw === '') return undefined;
  const addressing = parseAddressing(raw);
  if (addressing?.mode !== 'path')
    throw new Error(
      `ROCKPOOL_CONTROL_PLANE_URL must be an origin like https://rockpool.example.com (got ${JSON.stringify(raw)})`,
    );
  return new URL(addressing.origin).hostname;
}

/** Whether ports may be shared `public` (ROCKPOOL_PUBLIC_PORTS, off unless set; `rockpool up` gives the edge the same). */
export function readPublicPorts(env: NodeJS.ProcessEnv = process.env): boolean {
  return booleanSetting(env, PUBLIC_PORTS_SETTING);
}
