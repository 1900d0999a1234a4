#!/usr/bin/env node
import { up } from './commands/up.js';
import { SettingsError } from './settings.js';

const USAGE = `Usage: rockpool <command>

Commands:
  up        Start Rockpool (Caddy, the control-plane server and the worker) in the foreground
  help      Show this help
`;

async function main(argv: string[]): Promise<number> {
  const [command] = argv;
  switch (command) {
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
    const message =
      error instanceof SettingsError ? error.message : ((error as Error)?.stack ?? String(error));
    process.stderr.write(`rockpool: ${message}\n`);
    process.exit(1);
  },
);
