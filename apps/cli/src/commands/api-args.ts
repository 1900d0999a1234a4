import { parseArgs } from 'node:util';
import {
  isPortSharing,
  PORT_SHARING_LEVELS,
  type PortSharing,
  portProblem,
  workspaceNameProblem,
} from '@rockpool/model';

/**
 * `rockpool workspace` and `rockpool port` refused what they were given, before any request; the
 * message names the valid values.
 */
export class CommandInputError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'CommandInputError';
  }
}

/** What every API command takes: who to act as, and JSON output for scripts. */
export interface ApiFlags {
  as: string | undefined;
  json: boolean;
}

export const WORKSPACE_VERBS = ['list', 'create', 'start', 'stop', 'suspend', 'delete'] as const;
export type WorkspaceVerb = (typeof WORKSPACE_VERBS)[number];

export type WorkspaceCommand = ApiFlags &
  (
    | { verb: 'list' }
    | { verb: 'create'; name: string; cpus?: number; memoryMiB?: number; wait: boolean }
    | { verb: 'start' | 'stop' | 'suspend' | 'delete'; workspace: string; wait: boolean }
  );

export const PORT_VERBS = ['list', 'add', 'share', 'remove'] as const;
export type PortVerb = (typeof PORT_VERBS)[number];

export type PortCommand = ApiFlags &
  (
    | { verb: 'list'; workspace: string }
    | { verb: 'add'; workspace: string; port: number; sharing?: PortSharing }
    | { verb: 'share'; workspace: string; port: number; sharing: PortSharing }
    | { verb: 'remove'; workspace: string; port: number }
  );

const SHARING_LIST = PORT_SHARING_LEVELS.join(', ');

/** A workspace as the API names it: its name, or its id (`ws_...`; names never hold `_`). */
export function workspaceArg(raw: string | undefined): string {
  if (raw === undefined) throw new CommandInputError('missing_workspace', 'name the workspace');
  if (/^ws_[A-Za-z0-9]+$/.test(raw)) return raw;
  const problem = workspaceNameProblem(raw);
  if (problem)
    throw new CommandInputError('invalid_name', `invalid workspace name ${JSON.stringify(raw)}: ${problem}`);
  return raw;
}

/** A guest port: digits only, 1-65535 (`08080` and `80.5` are refused, not read as numbers). */
export function portArg(raw: string | undefined): number {
  if (raw === undefined) throw new CommandInputError('missing_port', 'name the port (1-65535)');
  const port = /^[1-9]\d{0,4}$/.test(raw) ? Number(raw) : Number.NaN;
  if (portProblem(port))
    throw new CommandInputError('invalid_port', `invalid port ${JSON.stringify(raw)}: a port is 1-65535`);
  return port;
}

export function sharingArg(raw: string | undefined): PortSharing {
  if (raw === undefined)
    throw new CommandInputError('missing_sharing', `name the sharing level: ${SHARING_LIST}`);
  if (!isPortSharing(raw))
    throw new CommandInputError(
      'invalid_sharing',
      `invalid sharing level ${JSON.stringify(raw)}: one of ${SHARING_LIST}`,
    );
  return raw;
}

function positiveIntArg(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(raw))
    throw new CommandInputError(
      'invalid_number',
      `${flag} takes a whole number above 0 (got ${JSON.stringify(raw)})`,
    );
  return Number(raw);
}

const API_OPTIONS = { as: { type: 'string' }, json: { type: 'boolean' } } as const;

/** `VERB ARGS... [flags]`: the verb (one of `verbs`), its positionals in order, the flags. */
function split<Verb extends string>(
  command: string,
  verbs: readonly Verb[],
  argv: string[],
  extra: Record<string, { type: 'string' | 'boolean' }>,
) {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { ...API_OPTIONS, ...extra },
    allowPositionals: true,
    strict: true,
  });
  const [verb, ...args] = positionals;
  if (!verbs.includes(verb as Verb))
    throw new CommandInputError(
      'unknown_verb',
      `${verb === undefined ? `${command} needs` : `unknown ${command} command ${JSON.stringify(verb)}:`} one of ${verbs.join(', ')} (rockpool ${command} --help)`,
    );
  const given = values as Record<string, string | boolean | undefined>;
  const text = (flag: string) => (typeof given[flag] === 'string' ? given[flag] : undefined);
  const flags: ApiFlags = { as: text('as'), json: given.json === true };
  return { verb: verb as Verb, args, text, wait: given.wait === true, flags };
}

function expectArgs(command: string, args: string[], count: number, synopsis: string): void {
  if (args.length > count)
    throw new CommandInputError(
      'extra_argument',
      `unexpected ${JSON.stringify(args[count])}: rockpool ${command} ${synopsis}`,
    );
}

/** `rockpool workspace ARGV`, checked. */
export function parseWorkspaceArgs(argv: string[]): WorkspaceCommand {
  const { verb, args, text, wait, flags } = split('workspace', WORKSPACE_VERBS, argv, {
    cpus: { type: 'string' },
    memory: { type: 'string' },
    wait: { type: 'boolean' },
  });
  if (verb !== 'create' && (text('cpus') !== undefined || text('memory') !== undefined))
    throw new CommandInputError('unexpected_flag', '--cpus and --memory go with workspace create only');
  if (verb === 'list') {
    if (wait)
      throw new CommandInputError(
        'unexpected_flag',
        '--wait goes with create, start, stop, suspend and delete',
      );
    expectArgs('workspace', args, 0, 'list');
    return { ...flags, verb };
  }
  expectArgs('workspace', args, 1, `${verb} NAME`);
  if (verb === 'create') {
    const name = workspaceArg(args[0]);
    if (name.startsWith('ws_'))
      throw new CommandInputError(
        'invalid_name',
        `invalid workspace name ${JSON.stringify(name)}: ws_ starts an id`,
      );
    const cpus = positiveIntArg('--cpus', text('cpus'));
    const memoryMiB = positiveIntArg('--memory', text('memory'));
    return {
      ...flags,
      verb,
      name,
      wait,
      ...(cpus === undefined ? {} : { cpus }),
      ...(memoryMiB === undefined ? {} : { memoryMiB }),
    };
  }
  return { ...flags, verb, workspace: workspaceArg(args[0]), wait };
}

/** `rockpool port ARGV`, checked. */
export function parsePortArgs(argv: string[]): PortCommand {
  const { verb, args, text, flags } = split('port', PORT_VERBS, argv, { sharing: { type: 'string' } });
  const sharingFlag = text('sharing');
  if (verb !== 'add' && sharingFlag !== undefined)
    throw new CommandInputError(
      'unexpected_flag',
      "--sharing goes with port add; change a port's level with `port share WORKSPACE PORT LEVEL`",
    );
  switch (verb) {
    case 'list':
      expectArgs('port', args, 1, 'list WORKSPACE');
      return { ...flags, verb, workspace: workspaceArg(args[0]) };
    case 'add': {
      expectArgs('port', args, 2, 'add WORKSPACE PORT [--sharing LEVEL]');
      const sharing = sharingFlag === undefined ? undefined : sharingArg(sharingFlag);
      return {
        ...flags,
        verb,
        workspace: workspaceArg(args[0]),
        port: portArg(args[1]),
        ...(sharing ? { sharing } : {}),
      };
    }
    case 'share':
      expectArgs('port', args, 3, 'share WORKSPACE PORT LEVEL');
      return {
        ...flags,
        verb,
        workspace: workspaceArg(args[0]),
        port: portArg(args[1]),
        sharing: sharingArg(args[2]),
      };
    case 'remove':
      expectArgs('port', args, 2, 'remove WORKSPACE PORT');
      return { ...flags, verb, workspace: workspaceArg(args[0]), port: portArg(args[1]) };
  }
}
