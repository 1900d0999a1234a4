import { parseArgs } from 'node:util';
import {
  CaddyAdminClient,
  CaddyUnreachableError,
  reloadKeepingWorkspaces,
  validateCaddyConfig,
} from '@rockpool/caddy';
import { dataDirLayout } from '@rockpool/model/data-dir';
import { readConfigFile, routingModeOf, writeConfigFile } from '../config-file.js';
import { applyConfigFlags, CONFIG_FLAGS } from '../config-flags.js';
import { dataDirFromEnv, readSettings } from '../settings.js';
import type { CommandIo } from './init.js';
import { renderCaddyConfig } from './up.js';

/** The admin API of the Caddy that `rockpool up` runs for this data dir. */
export function adminClientFor(dataDir: string): CaddyAdminClient {
  return new CaddyAdminClient({ endpoint: `unix/${dataDirLayout(dataDir).caddyAdminSocket}` });
}

/**
 * `rockpool reconfigure [flags]`: the config file with the flags applied is checked, rendered and
 * validated by Caddy (`caddy validate`) before anything changes; then the running Caddy gets it
 * through one guarded admin write that keeps the current workspace routes, and only then is the
 * file written. A bad flag, file or certificate leaves both the running config and the file as
 * they were.
 */
export async function reconfigure(argv: string[], io: CommandIo): Promise<number> {
  const { values: flags } = parseArgs({ args: argv, options: CONFIG_FLAGS, strict: true });
  const dataDir = dataDirFromEnv(io.env);
  const before = await readConfigFile(dataDir);
  const config = applyConfigFlags(before, flags);
  const settings = readSettings(io.env, config);
  const { config: caddyConfig } = await renderCaddyConfig(settings, io.output);
  await validateCaddyConfig(settings.caddyBinary, caddyConfig);
  const admin = adminClientFor(dataDir);
  try {
    const { workspaceRoutes } = await reloadKeepingWorkspaces(admin, caddyConfig);
    await writeConfigFile(dataDir, config);
    io.output.write(
      `Applied: TLS ${config.tls.mode}, access ${config.access.mode}, ${settings.routingMode} routing; kept ${workspaceRoutes} workspace route(s).\n`,
    );
    // The worker reads the mode at its start: guests it boots until then keep the old port links.
    if (routingModeOf(before) !== settings.routingMode)
      io.output.write(
        "VS Code's port links in workspaces follow the new routing mode from the next `rockpool up` (and a workspace's next boot).\n",
      );
  } catch (error) {
    if (!(error instanceof CaddyUnreachableError)) throw error;
    await writeConfigFile(dataDir, config);
    io.output.write('Rockpool is not running: the new configuration applies at the next `rockpool up`.\n');
  }
  return 0;
}
