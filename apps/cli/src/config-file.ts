import { readFile, rename, writeFile } from 'node:fs/promises';
import {
  ACCESS_MODES,
  type AccessMode,
  EdgeConfigError,
  isAccessMode,
  isTlsMode,
  parseIpRanges,
  resolveEdgeSecurity,
  TLS_MODES,
} from '@rockpool/caddy';
import { isRoutingMode, ROUTING_MODES, type RoutingMode, workspaceDomainProblem } from '@rockpool/model';
import { dataDirLayout } from '@rockpool/model/data-dir';
import { dataDirFromEnv, readSettings, type Settings } from './settings.js';

export type TlsConfig =
  | { mode: 'off' }
  | { mode: 'acme'; domain: string; email?: string; caDirectoryUrl?: string; trustedRootsPemFiles?: string[] }
  /** Rockpool generates the certificate into `{dataDir}/tls/`. */
  | { mode: 'self-signed' }
  | { mode: 'custom'; certFile: string; keyFile: string };

export interface RockpoolConfig {
  /** The address Caddy's servers bind: `127.0.0.1` for this machine only, `0.0.0.0` for the network. */
  listenHost: string;
  ports: { controlPlane: number; workspaces: number; http: number };
  tls: TlsConfig;
  access: { mode: AccessMode; allow: string[]; trustedProxies: string[] };
  /**
   * The parent of the workspace hosts (`ws.example.com`: `alice.ws.example.com`); needs a wildcard
   * DNS record (none for `*.localhost`). Subdomain routing puts every IDE and port on a host under
   * it; TLS covers it: the certificate's wildcard SAN (self-signed, custom) or on-demand
   * certificates (acme).
   */
  workspaceDomain?: string;
  /**
   * `subdomain`: an origin per IDE and per forwarded port under the workspace domain; `path`: all
   * under one origin. Unset: subdomain when there is a workspace domain, else path (see routingModeOf).
   */
  routingMode?: RoutingMode;
}

/** The routing mode a config asks for, or its default: subdomain when it has a workspace domain. */
export const routingModeOf = (
  config: Pick<RockpoolConfig, 'routingMode' | 'workspaceDomain'> | undefined,
): RoutingMode => config?.routingMode ?? (config?.workspaceDomain ? 'subdomain' : 'path');

export class ConfigError extends Error {
  readonly code = 'invalid_config';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export function configFilePath(dataDir: string): string {
  return dataDirLayout(dataDir).config;
}

/** Plain HTTP on 8080/8081 for local use; with TLS, 443 and 8443 and a redirect on 80. */
export function defaultPorts(tlsMode: TlsConfig['mode']): RockpoolConfig['ports'] {
  return tlsMode === 'off'
    ? { controlPlane: 8080, workspaces: 8081, http: 80 }
    : { controlPlane: 443, workspaces: 8443, http: 80 };
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function str(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') throw new ConfigError(`${field} must be a non-empty string`);
  return value;
}

function optionalStr(value: unknown, field: string): string | undefined {
  return value === undefined ? undefined : str(value, field);
}

function strings(value: unknown, field: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string'))
    throw new ConfigError(`${field} must be a list of strings`);
  return value;
}

function port(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535)
    throw new ConfigError(`${field} must be a TCP port from 1 to 65535 (got ${JSON.stringify(value)})`);
  return value;
}

function parseWorkspaceDomain(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const problem = workspaceDomainProblem(value);
  if (problem) throw new ConfigError(`workspaceDomain: ${problem}`);
  return value as string;
}

function parseRoutingMode(value: unknown, workspaceDomain: string | undefined): RoutingMode | undefined {
  if (value === undefined) return undefined;
  if (!isRoutingMode(value))
    throw new ConfigError(
      `unknown routing mode ${JSON.stringify(value)}: use one of ${ROUTING_MODES.join(', ')}`,
    );
  if (value === 'subdomain' && !workspaceDomain)
    throw new ConfigError(
      'subdomain routing needs a workspace domain (--workspace-domain, e.g. ws.rockpool.localhost locally or ws.example.com with a wildcard DNS record); without one, use --routing-mode path',
    );
  return value;
}

function parseTls(raw: unknown): TlsConfig {
  if (!isObject(raw)) throw new ConfigError('tls must be an object with a mode');
  if (!isTlsMode(raw.mode))
    throw new ConfigError(`unknown TLS mode ${JSON.stringify(raw.mode)}: use one of ${TLS_MODES.join(', ')}`);
  switch (raw.mode) {
    case 'off':
    case 'self-signed':
      return { mode: raw.mode };
    case 'custom':
      return {
        mode: 'custom',
        certFile: str(raw.certFile, 'tls.certFile'),
        keyFile: str(raw.keyFile, 'tls.keyFile'),
      };
    case 'acme': {
      const email = optionalStr(raw.email, 'tls.email');
      const caDirectoryUrl = optionalStr(raw.caDirectoryUrl, 'tls.caDirectoryUrl');
      const roots = strings(raw.trustedRootsPemFiles, 'tls.trustedRootsPemFiles');
      return {
        mode: 'acme',
        domain: str(raw.domain, 'tls.domain'),
        ...(email ? { email } : {}),
        ...(caDirectoryUrl ? { caDirectoryUrl } : {}),
        ...(roots.length ? { trustedRootsPemFiles: roots } : {}),
      };
    }
  }
}

/** Checks a config completely (shapes, modes, every IP range, mode combinations); throws {@link ConfigError}. */
export function parseConfig(raw: unknown, source = 'the configuration'): RockpoolConfig {
  try {
    if (!isObject(raw)) throw new ConfigError('it must be a JSON object');
    const tls = parseTls(raw.tls ?? { mode: 'off' });
    const ports = isObject(raw.ports) ? raw.ports : {};
    const defaults = defaultPorts(tls.mode);
    const access = isObject(raw.access) ? raw.access : { mode: 'all' };
    if (!isAccessMode(access.mode))
      throw new ConfigError(
        `unknown access mode ${JSON.stringify(access.mode)}: use one of ${ACCESS_MODES.join(', ')}`,
      );
    const workspaceDomain = parseWorkspaceDomain(raw.workspaceDomain);
    const routingMode = parseRoutingMode(raw.routingMode, workspaceDomain);
    const config: RockpoolConfig = {
      listenHost: raw.listenHost === undefined ? '127.0.0.1' : str(raw.listenHost, 'listenHost'),
      ports: {
        controlPlane: port(ports.controlPlane ?? defaults.controlPlane, 'ports.controlPlane'),
        workspaces: port(ports.workspaces ?? defaults.workspaces, 'ports.workspaces'),
        http: port(ports.http ?? defaults.http, 'ports.http'),
      },
      tls,
      access: {
        mode: access.mode,
        allow: parseIpRanges(strings(access.allow, 'access.allow'), 'allow list'),
        trustedProxies: parseIpRanges(
          strings(access.trustedProxies, 'access.trustedProxies'),
          'trusted proxies',
        ),
      },
      ...(workspaceDomain ? { workspaceDomain } : {}),
      ...(routingMode ? { routingMode } : {}),
    };
    const { controlPlane, workspaces, http } = config.ports;
    if (
      new Set(tls.mode === 'off' ? [controlPlane, workspaces] : [controlPlane, workspaces, http]).size <
      (tls.mode === 'off' ? 2 : 3)
    )
      throw new ConfigError('the control plane, the workspaces and the HTTP redirect need different ports');
    // The same checks the Caddy builders make, with placeholder files and ask: mode combinations, domains.
    resolveEdgeSecurity({
      tls:
        tls.mode === 'self-signed' || tls.mode === 'custom'
          ? { mode: tls.mode, certFile: '-', keyFile: '-' }
          : tls,
      access: { ...config.access, clientCaFile: '-' },
      ...(workspaceDomain
        ? { workspaceDomain, tlsAsk: { listen: '127.0.0.1:1', token: '0'.repeat(64) } }
        : {}),
    });
    return config;
  } catch (error) {
    if (error instanceof ConfigError || error instanceof EdgeConfigError)
      throw new ConfigError(`${source}: ${error.message}`);
    throw error;
  }
}

/** The config file in `dataDir`, checked; undefined if there is none yet. */
export async function readConfigFile(dataDir: string): Promise<RockpoolConfig | undefined> {
  const file = configFilePath(dataDir);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(`cannot read ${file}: ${(error as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  return parseConfig(raw, file);
}

/** Writes the config (0600) atomically: a reader never sees half a file. */
export async function writeConfigFile(dataDir: string, config: RockpoolConfig): Promise<string> {
  const file = configFilePath(dataDir);
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  await rename(temp, file);
  return file;
}

/** The settings of a run: the data dir's config file, if any, overridden by the environment. */
export async function loadSettings(env: NodeJS.ProcessEnv = process.env): Promise<Settings> {
  return readSettings(env, await readConfigFile(dataDirFromEnv(env)));
}
