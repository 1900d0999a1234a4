import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { ACCESS_MODES, TLS_MODES } from '@rockpool/caddy';
import { ConfigError, configFilePath, readConfigFile, writeConfigFile } from '../config-file.js';
import { applyConfigFlags, CONFIG_FLAGS, type ConfigFlags } from '../config-flags.js';
import { prepareEdge } from '../edge-setup.js';
import { ideUrlPattern, publicUrls } from '../public-urls.js';
import { dataDirFromEnv, readSettings } from '../settings.js';

export interface CommandIo {
  env: NodeJS.ProcessEnv;
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** Ask the questions flags did not answer (default: when the input is a terminal). */
  interactive?: boolean;
}

const QUESTIONS: {
  flag: keyof ConfigFlags;
  prompt: string;
  when?: (a: ConfigFlags) => boolean;
  fallback: (a: ConfigFlags) => string;
}[] = [
  {
    flag: 'tls',
    prompt: `TLS mode (${TLS_MODES.join(', ')}): off is plain HTTP for this machine only; self-signed for a LAN or air-gapped host; acme for a public domain`,
    fallback: () => 'off',
  },
  {
    flag: 'domain',
    prompt: 'Domain name that reaches this host',
    when: (a) => a.tls === 'acme',
    fallback: () => '',
  },
  {
    flag: 'email',
    prompt: 'E-mail for the ACME account (optional)',
    when: (a) => a.tls === 'acme',
    fallback: () => '',
  },
  {
    flag: 'cert',
    prompt: 'Certificate file (PEM, with chain)',
    when: (a) => a.tls === 'custom',
    fallback: () => '',
  },
  {
    flag: 'key',
    prompt: 'Private key file (PEM, unencrypted)',
    when: (a) => a.tls === 'custom',
    fallback: () => '',
  },
  {
    flag: 'access',
    prompt: `Access mode (${ACCESS_MODES.join(', ')}): restrict-app or mtls-app recommended; all is not`,
    fallback: (a) => (a.tls && a.tls !== 'off' ? 'mtls-app' : 'all'),
  },
  {
    flag: 'allow',
    prompt: 'Allowed IPs and CIDR ranges, comma-separated',
    when: (a) => a.access === 'restrict-app' || a.access === 'restrict-all',
    fallback: () => '',
  },
  {
    flag: 'trusted-proxies',
    prompt: 'Trusted reverse proxies (IPs/CIDRs), empty if none',
    fallback: () => '',
  },
  {
    flag: 'listen-host',
    prompt: 'Listen on (127.0.0.1: this machine only, 0.0.0.0: the network)',
    fallback: (a) => (a.tls && a.tls !== 'off' ? '0.0.0.0' : '127.0.0.1'),
  },
  {
    flag: 'workspace-domain',
    prompt:
      'Workspace domain, empty for none (workspaces at {name}.DOMAIN; needs a DNS record *.DOMAIN for this host)',
    fallback: () => '',
  },
  {
    flag: 'routing-mode',
    prompt:
      'Routing, empty for subdomain (subdomain: an origin per IDE and per forwarded app; path: one origin, where any app can reach the IDEs)',
    when: (a) => Boolean(a['workspace-domain']),
    fallback: () => '',
  },
];

/** The wizard: asks each question no flag answered, showing the default. */
async function askMissing(flags: ConfigFlags, io: CommandIo): Promise<ConfigFlags> {
  const rl = createInterface({ input: io.input, terminal: false });
  // The iterator buffers lines, so answers typed (or piped) ahead are not lost.
  const lines = rl[Symbol.asyncIterator]();
  const answers: ConfigFlags = { ...flags };
  try {
    for (const q of QUESTIONS) {
      if (answers[q.flag] !== undefined || (q.when && !q.when(answers))) continue;
      const fallback = q.fallback(answers);
      io.output.write(`${q.prompt}${fallback ? ` [${fallback}]` : ''}: `);
      const line = await lines.next();
      const value = (line.done ? '' : String(line.value).trim()) || fallback;
      if (value !== '') answers[q.flag] = value;
    }
  } finally {
    rl.close();
  }
  return answers;
}

/**
 * `rockpool init`: writes the config file (0600) and prepares what the modes need (self-signed
 * certificate, client CA and admin.p12). Nothing is written when an answer is invalid.
 */
export async function init(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { ...CONFIG_FLAGS, force: { type: 'boolean' }, interactive: { type: 'boolean' } },
    strict: true,
  });
  const { force, interactive, ...flags } = values;
  const dataDir = dataDirFromEnv(io.env);
  if ((await readConfigFile(dataDir).catch(() => 'unreadable')) !== undefined && !force)
    throw new ConfigError(
      `${configFilePath(dataDir)} already exists: use \`rockpool reconfigure\` to change it, or \`init --force\` to start over`,
    );
  const wizard = interactive ?? io.interactive ?? (io.input as { isTTY?: boolean }).isTTY === true;
  const answers = wizard ? await askMissing(flags, io) : flags;
  const config = applyConfigFlags(undefined, answers);
  const settings = readSettings(
    { ...io.env, ROCKPOOL_CADDY_BIN: io.env.ROCKPOOL_CADDY_BIN || 'caddy' },
    config,
  );
  await prepareEdge(settings, io.output);
  const file = await writeConfigFile(dataDir, config);
  const urls = publicUrls(settings);
  io.output.write(
    [
      `Wrote ${file}`,
      `  TLS: ${config.tls.mode}   access: ${config.access.mode}${config.access.allow.length ? ` (allow ${config.access.allow.join(', ')})` : ''}${config.workspaceDomain ? `   workspace domain: ${config.workspaceDomain}` : ''}   routing: ${settings.routingMode}`,
      `  Dashboard: ${urls.controlPlane}/app/   Workspaces: ${ideUrlPattern(settings)}`,
      'Start Rockpool with `rockpool up` (or ./scripts/run.sh); change modes later with `rockpool reconfigure`.',
      '',
    ].join('\n'),
  );
  return 0;
}
