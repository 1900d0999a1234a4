import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { RateLimitPolicy } from '@rockpool/caddy';
import {
  ADMIN_IDE_ACCESS_SETTING,
  ADMINS_SETTING,
  booleanSetting,
  listSetting,
  PUBLIC_PORTS_SETTING,
  type RoutingMode,
} from '@rockpool/model';
import { type RockpoolConfig, routingModeOf } from './config-file.js';
import { sessionCookieDomainOf } from './public-urls.js';

/** Everything `rockpool up` reads from the environment; see .envrc.example for each variable. */
export interface Settings {
  dataDir: string;
  listenHost: string;
  controlPlanePort: number;
  workspacePort: number;
  /** With TLS on: plain HTTP here redirects to HTTPS. */
  httpPort: number;
  /** TLS and access modes, from the config file (`rockpool init`); plain HTTP and `all` without one. */
  tls: RockpoolConfig['tls'];
  access: RockpoolConfig['access'];
  /** Workspace hosts live under it (config file): subdomain routing and TLS use it. */
  workspaceDomain: string | undefined;
  /** Where IDEs and ports live: a host each under the workspace domain, or paths on one origin. */
  routingMode: RoutingMode;
  caddyBinary: string;
  username: string;
  /** Set when the user chose the password; otherwise one is generated and kept in the data dir. */
  password: string | undefined;
  rateLimits: Partial<RateLimitPolicy>;
  /** Admins may open other users' IDEs, each such request logged (ROCKPOOL_ADMIN_IDE_ACCESS). */
  adminIdeAccess: boolean;
  /** Ports shared `public` answer without sign-in (ROCKPOOL_PUBLIC_PORTS). */
  publicPorts: boolean;
  /** Admins named in ROCKPOOL_ADMINS (GitHub users have no row), besides the users table's. */
  admins: string[];
  /**
   * The control plane's origin as browsers reach it (`ROCKPOOL_PUBLIC_URL`), when it is not this
   * machine's listen address: behind a proxy, on a LAN, with GitHub sign-in. Links to the
   * workspaces use its host too in path mode (see publicUrls).
   */
  publicUrl: string | undefined;
  github:
    | {
        clientId: string;
        clientSecret: string;
        allowUsers: string[];
        allowOrgs: string[];
        signingKey?: string;
      }
    | undefined;
}

/**
 * The workspace domain of the local default: on this machine alone (plain HTTP on loopback) an IDE
 * and each forwarded app get an origin of their own with no DNS at all, since browsers and curl
 * resolve every `*.localhost` name to loopback. The control plane is then `rockpool.localhost`, so
 * one session cookie covers it and every workspace host.
 */
export const LOCAL_WORKSPACE_DOMAIN = 'ws.rockpool.localhost';

const LOOPBACK = new Set(['127.0.0.1', '::1']);

/**
 * Whether these settings get the local default (subdomain mode under LOCAL_WORKSPACE_DOMAIN): no
 * workspace domain or routing mode chosen, plain HTTP, listening on loopback only and no public URL
 * (a browser elsewhere could not resolve `*.localhost` to this machine).
 */
export function usesLocalSubdomains(
  config: Pick<RockpoolConfig, 'workspaceDomain' | 'routingMode' | 'tls'> | undefined,
  listenHost: string,
  publicUrl: string | undefined,
): boolean {
  return (
    config?.workspaceDomain === undefined &&
    config?.routingMode === undefined &&
    (config?.tls.mode ?? 'off') === 'off' &&
    LOOPBACK.has(listenHost) &&
    publicUrl === undefined
  );
}

export class SettingsError extends Error {
  readonly code = 'invalid_settings';
  constructor(message: string) {
    super(message);
    this.name = 'SettingsError';
  }
}

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535)
    throw new SettingsError(`${name} must be a TCP port from 1 to 65535 (got ${JSON.stringify(raw)})`);
  return value;
}

function list(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Where Rockpool keeps its state: `ROCKPOOL_DATA_DIR`, else `$XDG_DATA_HOME/rockpool`. */
export function dataDirFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(
    env.ROCKPOOL_DATA_DIR ||
      join(env.XDG_DATA_HOME || join(env.HOME || homedir(), '.local', 'share'), 'rockpool'),
  );
}

/**
 * The settings of a run: the config file (`config`, from `rockpool init`) with the environment
 * variables as overrides (tests and one-off runs use them).
 */
export function readSettings(env: NodeJS.ProcessEnv = process.env, config?: RockpoolConfig): Settings {
  const dataDir = dataDirFromEnv(env);
  if (!isAbsolute(resolve(dataDir))) throw new SettingsError('ROCKPOOL_DATA_DIR must be a path');
  const caddyBinary = env.ROCKPOOL_CADDY_BIN;
  if (!caddyBinary)
    throw new SettingsError(
      'ROCKPOOL_CADDY_BIN is not set: start Rockpool with ./scripts/run.sh, which builds Caddy',
    );
  const controlPlanePort = port(env, 'ROCKPOOL_CONTROL_PLANE_PORT', config?.ports.controlPlane ?? 8080);
  const workspacePort = port(env, 'ROCKPOOL_WORKSPACE_PORT', config?.ports.workspaces ?? 8081);
  const httpPort = port(env, 'ROCKPOOL_HTTP_PORT', config?.ports.http ?? 80);
  if (controlPlanePort === workspacePort)
    throw new SettingsError(
      'the control plane and the workspaces need two different ports (two browser origins)',
    );

  let rateLimits: Partial<RateLimitPolicy> = {};
  if (env.ROCKPOOL_RATE_LIMITS) {
    try {
      rateLimits = JSON.parse(env.ROCKPOOL_RATE_LIMITS) as Partial<RateLimitPolicy>;
    } catch (error) {
      throw new SettingsError(`ROCKPOOL_RATE_LIMITS is not valid JSON: ${(error as Error).message}`);
    }
  }

  const github =
    env.GITHUB_OAUTH_CLIENT_ID || env.GITHUB_OAUTH_CLIENT_SECRET
      ? {
          clientId: env.GITHUB_OAUTH_CLIENT_ID ?? '',
          clientSecret: env.GITHUB_OAUTH_CLIENT_SECRET ?? '',
          allowUsers: list(env.ROCKPOOL_GITHUB_ALLOW_USERS),
          allowOrgs: list(env.ROCKPOOL_GITHUB_ALLOW_ORGS),
          ...(env.ROCKPOOL_OAUTH_SIGNING_KEY ? { signingKey: env.ROCKPOOL_OAUTH_SIGNING_KEY } : {}),
        }
      : undefined;
  if (github && (!github.clientId || !github.clientSecret))
    throw new SettingsError('GitHub OAuth needs both GITHUB_OAUTH_CLIENT_ID and GITHUB_OAUTH_CLIENT_SECRET');
  if (github && github.allowUsers.length === 0 && github.allowOrgs.length === 0)
    throw new SettingsError(
      'GitHub OAuth needs an allow list: set ROCKPOOL_GITHUB_ALLOW_USERS and/or ROCKPOOL_GITHUB_ALLOW_ORGS (comma-separated)',
    );
  const flag = (name: string) => {
    try {
      return booleanSetting(env, name);
    } catch (error) {
      throw new SettingsError((error as Error).message);
    }
  };
  const publicUrl = env.ROCKPOOL_PUBLIC_URL ? env.ROCKPOOL_PUBLIC_URL.replace(/\/+$/, '') : undefined;
  if (publicUrl && !/^https?:\/\/[^/]+$/.test(publicUrl))
    throw new SettingsError(
      `ROCKPOOL_PUBLIC_URL must be the control plane's origin, like https://rockpool.example.com (got ${JSON.stringify(env.ROCKPOOL_PUBLIC_URL)})`,
    );

  const listenHost = env.ROCKPOOL_LISTEN_HOST || config?.listenHost || '127.0.0.1';
  const local = usesLocalSubdomains(config, listenHost, publicUrl);
  const settings: Settings = {
    dataDir,
    listenHost,
    controlPlanePort,
    workspacePort,
    httpPort,
    tls: config?.tls ?? { mode: 'off' },
    access: config?.access ?? { mode: 'all', allow: [], trustedProxies: [] },
    workspaceDomain: local ? LOCAL_WORKSPACE_DOMAIN : config?.workspaceDomain,
    routingMode: local ? 'subdomain' : routingModeOf(config),
    caddyBinary,
    username: env.CADDY_USERNAME || 'admin',
    password: env.CADDY_PASSWORD || undefined,
    rateLimits,
    adminIdeAccess: flag(ADMIN_IDE_ACCESS_SETTING),
    publicPorts: flag(PUBLIC_PORTS_SETTING),
    admins: listSetting(env, ADMINS_SETTING),
    publicUrl,
    github,
  };
  // A sign-in whose cookie cannot reach the workspaces would never stick: refused here, at start-up.
  sessionCookieDomainOf(settings);
  return settings;
}
