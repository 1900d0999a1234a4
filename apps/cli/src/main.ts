#!/usr/bin/env node
import { CaddyInvalidConfigError, EdgeConfigError } from '@rockpool/caddy';
import { PkiError } from '@rockpool/pki';
import { runCli } from './cli.js';
import { CommandInputError } from './commands/api-args.js';
import { UserCommandError } from './commands/user.js';
import { ConfigError } from './config-file.js';
import { ControlPlaneError } from './control-plane.js';
import { SettingsError } from './settings.js';
import { StackNotReadyError } from './stack-ready.js';

/** Errors whose message is the whole story for a user; anything else gets its stack. */
const USER_ERRORS = [
  SettingsError,
  ConfigError,
  EdgeConfigError,
  PkiError,
  CaddyInvalidConfigError,
  StackNotReadyError,
  UserCommandError,
  CommandInputError,
  ControlPlaneError,
];

runCli(process.argv.slice(2), { env: process.env, input: process.stdin, output: process.stdout }).then(
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
