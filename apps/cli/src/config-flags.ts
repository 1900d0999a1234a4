import type { ParseArgsConfig } from 'node:util';
import { ConfigError, defaultPorts, parseConfig, type RockpoolConfig } from './config-file.js';

/** The flags of `init` and `reconfigure`: one per answer of the wizard. */
export const CONFIG_FLAGS = {
  tls: { type: 'string' },
  domain: { type: 'string' },
  email: { type: 'string' },
  'acme-ca': { type: 'string' },
  'acme-ca-root': { type: 'string' },
  cert: { type: 'string' },
  key: { type: 'string' },
  access: { type: 'string' },
  allow: { type: 'string' },
  'trusted-proxies': { type: 'string' },
  'listen-host': { type: 'string' },
  'control-plane-port': { type: 'string' },
  'workspace-port': { type: 'string' },
  'http-port': { type: 'string' },
  'workspace-domain': { type: 'string' },
  'routing-mode': { type: 'string' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

export type ConfigFlags = Partial<Record<keyof typeof CONFIG_FLAGS, string>>;

export const CONFIG_FLAGS_HELP = `  --tls off|acme|self-signed|custom   TLS mode (self-signed: a certificate for this host's names and IPs)
  --domain NAME --email ADDR          acme: the domain that reaches this host, the account e-mail
  --acme-ca URL --acme-ca-root FILE   acme: another ACME directory, and the root to trust for it
  --cert FILE --key FILE              custom: PEM certificate (with chain) and unencrypted key
  --access all|restrict-app|restrict-all|mtls-app
  --allow IP,CIDR,...                 the allow list of the restrict-* modes
  --trusted-proxies IP,CIDR,...       proxies whose X-Forwarded-For is believed
  --listen-host ADDR                  127.0.0.1 (this machine) or 0.0.0.0 (the network)
  --control-plane-port N --workspace-port N --http-port N
  --workspace-domain NAME             workspace hosts under NAME ({name}.NAME; needs DNS *.NAME -> this
                                      host): a wildcard SAN (self-signed, checked for custom), on-demand
                                      certificates (acme); '' removes it
  --routing-mode subdomain|path       subdomain (the default with a workspace domain): an origin per IDE
                                      and per forwarded port; path (the default without): every IDE and
                                      app under one origin, so an app's JavaScript can reach the IDEs
`;

const list = (raw: string) =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function portFlag(raw: string | undefined, flag: string): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`--${flag} must be a TCP port (got ${JSON.stringify(raw)})`);
  return Number(raw);
}

/** `base` (the current config, or the defaults) with the flags applied, checked. */
export function applyConfigFlags(base: RockpoolConfig | undefined, flags: ConfigFlags): RockpoolConfig {
  const mode = flags.tls ?? base?.tls.mode ?? 'off';
  const sameMode = base?.tls.mode === mode;
  const previous = sameMode ? (base?.tls as Record<string, unknown>) : {};
  const tls: Record<string, unknown> = { ...previous, mode };
  if (flags.domain !== undefined) tls.domain = flags.domain;
  if (flags.email !== undefined) tls.email = flags.email;
  if (flags['acme-ca'] !== undefined) tls.caDirectoryUrl = flags['acme-ca'];
  if (flags['acme-ca-root'] !== undefined) tls.trustedRootsPemFiles = list(flags['acme-ca-root']);
  if (flags.cert !== undefined) tls.certFile = flags.cert;
  if (flags.key !== undefined) tls.keyFile = flags.key;
  // Ports follow the TLS mode's defaults when the mode changes and no port was given.
  const ports =
    base && (base.tls.mode === 'off') === (mode === 'off') ? base.ports : defaultPorts(mode as 'off');
  const workspaceDomain = flags['workspace-domain'] ?? base?.workspaceDomain;
  // '' goes back to the default (subdomain with a workspace domain, else path).
  const routingMode = flags['routing-mode'] ?? base?.routingMode;
  return parseConfig(
    {
      // TLS modes are for reaching Rockpool over the network; plain HTTP stays on this machine.
      listenHost: flags['listen-host'] ?? base?.listenHost ?? (mode === 'off' ? '127.0.0.1' : '0.0.0.0'),
      ports: {
        controlPlane: portFlag(flags['control-plane-port'], 'control-plane-port') ?? ports.controlPlane,
        workspaces: portFlag(flags['workspace-port'], 'workspace-port') ?? ports.workspaces,
        http: portFlag(flags['http-port'], 'http-port') ?? ports.http,
      },
      tls,
      access: {
        mode: flags.access ?? base?.access.mode ?? 'all',
        allow: flags.allow !== undefined ? list(flags.allow) : (base?.access.allow ?? []),
        trustedProxies:
          flags['trusted-proxies'] !== undefined
            ? list(flags['trusted-proxies'])
            : (base?.access.trustedProxies ?? []),
      },
      ...(workspaceDomain ? { workspaceDomain } : {}),
      ...(routingMode ? { routingMode } : {}),
    },
    'the new configuration',
  );
}
