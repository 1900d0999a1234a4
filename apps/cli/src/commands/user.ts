import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import {
  CaddyUnreachableError,
  readSessionSigningKey,
  SessionKeyMissingError,
  writeEdgeAccounts,
  writeEdgeAdmins,
} from '@rockpool/caddy';
import type { UserStore } from '@rockpool/db';
import { ADMINS_SETTING, listSetting, passwordProblem, userNameProblem } from '@rockpool/model';
import { dataDirLayout } from '@rockpool/model/data-dir';
import { dataDirFromEnv } from '../settings.js';
import { edgeAdmins, hashUserPassword, withUsers } from '../users.js';
import type { CommandIo } from './init.js';
import { adminClientFor } from './reconfigure.js';

/** A `rockpool user` command that cannot be done as asked; the message says why and what to do. */
export class UserCommandError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'UserCommandError';
  }
}

export const USER_HELP = `Usage: rockpool user <add|remove|passwd|list> ...

  user add NAME [--admin] [--password-stdin]   Add a basic-auth user (a member unless --admin)
  user remove NAME                             Remove a user (never the last admin)
  user passwd NAME [--password-stdin]          Set a user's password
  user list [--json]                           The users and their roles

The password is read from stdin with --password-stdin, asked for on a terminal, or else generated
and printed this once. Changes reach the running edge at once, without a restart and without
closing anyone's WebSocket; with Rockpool stopped, at the next \`rockpool up\`.
`;

async function readAll(input: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of input) text += chunk.toString();
  return text.replace(/\r?\n$/, '');
}

/** Asks without echoing what is typed. */
async function ask(io: CommandIo, question: string): Promise<string> {
  io.output.write(question);
  const muted = new Writable({ write: (_chunk, _encoding, done) => done() });
  const rl = createInterface({ input: io.input, output: muted, terminal: true });
  try {
    return await rl.question('');
  } finally {
    rl.close();
    io.output.write('\n');
  }
}

/** The password to set, and whether it was generated (then it is printed once). */
async function passwordFor(
  io: CommandIo,
  fromStdin: boolean | undefined,
): Promise<{ password: string; generated: boolean }> {
  let password: string | undefined;
  if (fromStdin) password = await readAll(io.input);
  else if ((io.input as { isTTY?: boolean }).isTTY) {
    password = await ask(io, 'Password (empty: generate one): ');
    if (password !== '' && (await ask(io, 'Again: ')) !== password)
      throw new UserCommandError('password_mismatch', 'the two passwords differ; nothing changed');
  }
  if (!password) return { password: randomBytes(18).toString('base64url'), generated: true };
  const problem = passwordProblem(password);
  if (problem) throw new UserCommandError('invalid_password', `${problem}; nothing changed`);
  return { password, generated: false };
}

function checkedName(name: string | undefined, verb: string): string {
  if (name === undefined) throw new UserCommandError('invalid_name', `user ${verb} needs a user name`);
  const problem = userNameProblem(name);
  if (problem)
    throw new UserCommandError('invalid_name', `invalid user name ${JSON.stringify(name)}: ${problem}`);
  return name;
}

/** Writes the table's accounts and the admins into the running edge, and says what happened. */
async function applyToEdge(io: CommandIo, dataDir: string, users: UserStore): Promise<void> {
  const accounts = users.list().map((user) => ({ username: user.name, passwordHash: user.passwordHash }));
  try {
    const admin = adminClientFor(dataDir);
    await writeEdgeAdmins(admin, edgeAdmins(users, listSetting(io.env, ADMINS_SETTING)));
    const result = await writeEdgeAccounts(admin, {
      accounts,
      signingKey: await readSessionSigningKey(dataDirLayout(dataDir).sessionSigningKey),
    });
    io.output.write(
      result.handlers === 0
        ? 'Note: the edge signs in with GitHub; basic-auth users are used when it is back on basic auth.\n'
        : 'Applied to the running edge.\n',
    );
  } catch (error) {
    // No key yet: Rockpool was never started here (`rockpool up` creates it).
    if (!(error instanceof CaddyUnreachableError || error instanceof SessionKeyMissingError)) throw error;
    io.output.write('Rockpool is not running: the change applies at the next `rockpool up`.\n');
  }
}

/** `rockpool user add|remove|passwd|list`: basic-auth users in the database and on the edge. */
export async function user(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { admin: { type: 'boolean' }, 'password-stdin': { type: 'boolean' }, json: { type: 'boolean' } },
    allowPositionals: true,
    strict: true,
  });
  const [verb, name, ...extra] = positionals;
  if (extra.length > 0)
    throw new UserCommandError('invalid_arguments', `unexpected ${extra.join(' ')}\n\n${USER_HELP}`);
  const dataDir = dataDirFromEnv(io.env);
  switch (verb) {
    case 'list':
      return withUsers(dataDir, (users) => {
        const list = users.list().map(({ name, role, createdAt }) => ({ name, role, createdAt }));
        if (values.json) io.output.write(`${JSON.stringify(list, null, 2)}\n`);
        else
          for (const u of list) io.output.write(`${u.name.padEnd(24)} ${u.role.padEnd(7)} ${u.createdAt}\n`);
        return 0;
      });
    case 'add': {
      const userName = checkedName(name, 'add');
      const { password, generated } = await passwordFor(io, values['password-stdin']);
      const passwordHash = await hashUserPassword(password);
      return withUsers(dataDir, async (users) => {
        const role = values.admin ? 'admin' : 'member';
        if (users.add({ name: userName, role, passwordHash }) === 'exists')
          throw new UserCommandError(
            'user_exists',
            `a user named ${userName} already exists (rockpool user passwd to change the password)`,
          );
        io.output.write(`Added ${userName} (${role}).\n`);
        if (generated) io.output.write(`Password (shown this once): ${password}\n`);
        await applyToEdge(io, dataDir, users);
        return 0;
      });
    }
    case 'passwd': {
      const userName = checkedName(name, 'passwd');
      const { password, generated } = await passwordFor(io, values['password-stdin']);
      const passwordHash = await hashUserPassword(password);
      return withUsers(dataDir, async (users) => {
        if (users.setPassword(userName, passwordHash) === 'missing')
          throw new UserCommandError('no_such_user', `there is no user ${userName} (rockpool user list)`);
        io.output.write(`Changed the password of ${userName}.\n`);
        if (generated) io.output.write(`Password (shown this once): ${password}\n`);
        await applyToEdge(io, dataDir, users);
        return 0;
      });
    }
    case 'remove': {
      const userName = checkedName(name, 'remove');
      return withUsers(dataDir, async (users) => {
        const result = users.remove(userName);
        if (result === 'missing')
          throw new UserCommandError('no_such_user', `there is no user ${userName} (rockpool user list)`);
        if (result === 'last_admin')
          throw new UserCommandError(
            'last_admin',
            `${userName} is the last admin; make another user an admin first`,
          );
        io.output.write(`Removed ${userName}.\n`);
        await applyToEdge(io, dataDir, users);
        return 0;
      });
    }
    default:
      throw new UserCommandError(
        'invalid_arguments',
        `${verb === undefined ? 'a subcommand is needed' : `unknown subcommand ${verb}`}\n\n${USER_HELP}`,
      );
  }
}
