import { parseArgs } from 'node:util';
import { dev } from './commands/dev.js';
import { genClientCert } from './commands/gen-client-cert.js';
import { type CommandIo, init } from './commands/init.js';
import { PORT_HELP, port } from './commands/port.js';
import { reconfigure } from './commands/reconfigure.js';
import { status } from './commands/status.js';
import { up } from './commands/up.js';
import { USER_HELP, user } from './commands/user.js';
import { WORKSPACE_HELP, workspace } from './commands/workspace.js';
import { CONFIG_FLAGS_HELP } from './config-flags.js';

interface Command {
  /** One line in `rockpool --help`. */
  summary: string;
  /** `rockpool <command> --help`: the synopsis and the flags. */
  help: string;
  run(argv: string[], io: CommandIo): Promise<number>;
}

/** Runs a stack in the foreground until SIGINT or SIGTERM, then stops it. */
async function runInForeground(
  argv: string[],
  start: () => Promise<{ stop(): Promise<void> }>,
): Promise<number> {
  parseArgs({ args: argv, options: {}, strict: true });
  const stack = await start();
  const stop = async (signal: string) => {
    process.stderr.write(`\n==> ${signal}: stopping\n`);
    await stack.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  return new Promise<number>(() => {}); // Runs until a signal stops it.
}

/** Every command; `rockpool --help` lists exactly these. */
export const COMMANDS: Record<string, Command> = {
  init: {
    summary: 'Set up TLS and access modes (a wizard; every answer is also a flag)',
    help: `Usage: rockpool init [flags] [--force] [--interactive]

Writes $ROCKPOOL_DATA_DIR/rockpool.json (0600). Asks for what the flags do not say when the input is
a terminal (or with --interactive); --force replaces an existing file.

Flags:
${CONFIG_FLAGS_HELP}`,
    run: init,
  },
  up: {
    summary: 'Start Rockpool (Caddy, the control-plane server and the worker) in the foreground',
    help: `Usage: rockpool up

Starts Caddy, the control-plane server and the worker, prints where to go once the control plane
and the worker answer, and runs until Ctrl-C. The rockpool command runs it through
./scripts/run.sh, which first installs or builds whatever is missing.
`,
    run: (argv) => runInForeground(argv, up),
  },
  dev: {
    summary: "Start a development stack from this checkout's sources, with live reload (pnpm dev)",
    help: `Usage: rockpool dev

What \`pnpm dev\` runs: Caddy, the server and the worker (restarted when their sources change) and
the dashboard through Vite with hot module reload, behind the same Caddy origin. Its own data
directory (.rockpool/dev) and ports (ROCKPOOL_DEV_*), never a real instance's. Ctrl-C stops it;
VMs are kept, and the next dev run adopts them.
`,
    run: (argv) => runInForeground(argv, dev),
  },
  reconfigure: {
    summary: 'Change modes (same flags as init) and apply them to the running Rockpool',
    help: `Usage: rockpool reconfigure [flags]

Checks the flags, renders the whole Caddy config and has Caddy validate it; then applies it to the
running Rockpool (keeping every workspace route) and writes the config file. Nothing changes when
anything is invalid. Rockpool not running: the file is written for the next start.

Flags:
${CONFIG_FLAGS_HELP}`,
    run: reconfigure,
  },
  'gen-client-cert': {
    summary: 'A .p12 client certificate for the mtls-app access mode',
    help: `Usage: rockpool gen-client-cert --name NAME [--password P] [--dir DIR] [--legacy]

Writes NAME.p12 (valid one year), signed by Rockpool's client CA, into DIR (default
$ROCKPOOL_DATA_DIR/client-certs). Without --password one is generated and written next to it.
--legacy uses 3DES/SHA-1 for old importers.
`,
    run: genClientCert,
  },
  user: {
    summary: 'Basic-auth users: add, remove, passwd, list (applied to the running edge at once)',
    help: USER_HELP,
    run: user,
  },
  workspace: {
    summary: 'Workspaces: list, create, start, stop, suspend, delete (alias: ws)',
    help: WORKSPACE_HELP,
    run: workspace,
  },
  port: {
    summary: "A workspace's forwarded ports and their sharing: list, add, share, remove",
    help: PORT_HELP,
    run: port,
  },
  status: {
    summary: 'Is Rockpool running, its modes, ports and running workspaces',
    help: `Usage: rockpool status [--json]

Exit status: 0 when Rockpool is running, 3 when it is not (as systemctl status).
`,
    run: status,
  },
};

/** Other names of commands: `rockpool ws list` is `rockpool workspace list`. */
const ALIASES: Record<string, string> = { ws: 'workspace' };
const unalias = (name: string): string => (Object.hasOwn(ALIASES, name) ? (ALIASES[name] ?? name) : name);

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length)) + 2;
  return [
    'Usage: rockpool <command> [flags]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}${c.summary}`),
    `  ${'help'.padEnd(width)}Show this help; rockpool <command> --help shows a command's flags`,
    '',
  ].join('\n');
}

const HELP_FLAGS = ['--help', '-h'];

/** `rockpool ARGV`: the exit status. Errors a user can act on are thrown (main.ts prints them). */
export async function runCli(
  argv: string[],
  io: CommandIo,
  errors: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  const [given, ...rest] = argv;
  const name = given === undefined ? undefined : unalias(given);
  if (name === undefined || name === 'help' || HELP_FLAGS.includes(name)) {
    const topic = name === 'help' && rest[0] !== undefined ? COMMANDS[unalias(rest[0])] : undefined;
    io.output.write(topic?.help ?? usage());
    return 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    errors.write(`rockpool: unknown command ${JSON.stringify(name)}\n\n${usage()}`);
    return 2;
  }
  if (rest.some((arg) => HELP_FLAGS.includes(arg))) {
    io.output.write(command.help);
    return 0;
  }
  return command.run(rest, io);
}
