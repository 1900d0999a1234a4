#!/usr/bin/env node
import { CaddyInvalidConfigError, EdgeConfigError } from '@rockpool/caddy';
import { PkiError } from '@rockpool/pki';
import { genClientCert } from './commands/gen-client-cert.js';
import { type CommandIo, init } from './commands/init.js';
import { reconfigure } from './commands/reconfigure.js';
import { status } from './commands/status.js';
import { up } from './commands/up.js';
import { ConfigError } from './config-file.js';
import { CONFIG_FLAGS_HELP } from './config-flags.js';
import { SettingsError } from './settings.js';

const USAGE = `Usage: rockpool <command> [flags]

Commands:
  init              Set up TLS and access modes (a wizard; every answer is also a flag)
  up                Start Rockpool (Caddy, the control-plane server and the worker) in the foreground
  reconfigure       Change modes (same flags as init) and apply them to the running Rockpool
  gen-client-cert   --name NAME [--password P] [--dir DIR] [--legacy]: a .p12 for mtls-app
  status [--json]   Is Rockpool running, its modes, ports and running workspaces
  help              Show this help

Flags of init and reconfigure:
${CONFIG_FLAGS_HELP}`;

/** Errors whose message is the whole story for a user; anything else gets its stack. */
const USER_ERRORS = [SettingsError, ConfigError, EdgeConfigError, PkiError, CaddyInvalidConfigError];

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const io: CommandIo = { env: process.env, input: process.stdin, output: process.stdout };
  switch (command) {
    case 'init':
      return init(rest, io);
    case 'reconfigure':
      return reconfigure(rest, io);
    case 'gen-client-cert':
      return genClientCert(rest, io);
    case 'status':
      return status(rest, io);
    case 'up': {
      const stack = await up();
      const stop = async (signal: string) => {
        process.stderr.write(`\n==> ${signal}: stopping\n`);
        await stack.stop();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));
      await new Promise(() => {}); // Runs until a signal stops it.
      return 0;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return 0;
    default:
      process.stderr.write(`rockpool: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const known =
      USER_ERRORS.some((type) => error instanceof type) ||
      (error as { code?: string })?.code?.startsWith('ERR_PARSE_ARGS');
    const message = known ? (error as Error).message : ((error as Error)?.stack ?? String(error));
    process.stderr.write(`rockpool: ${message}\n`);
    process.exit(1);
  },
);
