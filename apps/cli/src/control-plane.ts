import { existsSync } from 'node:fs';
import { USER_HEADER } from '@rockpool/caddy';
import type { UserStore } from '@rockpool/db';
import { dataDirLayout } from '@rockpool/model/data-dir';
import { requestOnServerSocket, type SocketRequest } from './server-socket.js';
import { withUsers } from './users.js';

/**
 * A control-plane request that failed: the API's own error (`code` and `message` from its
 * `{error: {code, message}}` body, `status` its HTTP status), or Rockpool not answering at all
 * (`status` 0). The message is the whole story for a user.
 */
export class ControlPlaneError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ControlPlaneError';
  }
}

/** The control plane's API, as one user. */
export interface ControlPlane {
  /** The user every request acts as. */
  readonly user: string;
  /** The JSON answer of a 2xx (undefined for a 204); anything else throws a ControlPlaneError. */
  request<T>(method: string, path: string, body?: unknown): Promise<T>;
}

type Send = (socketPath: string, request: SocketRequest) => Promise<{ status: number; body: unknown }>;

function errorOf(status: number, body: unknown): ControlPlaneError {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  return typeof error?.code === 'string' && typeof error.message === 'string'
    ? new ControlPlaneError(error.code, status, `${error.message} (${error.code})`)
    : new ControlPlaneError(`http_${status}`, status, `the control plane answered ${status}`);
}

/**
 * The API through the control plane's unix socket, acting as `user`. The socket is 0600 in the data
 * dir: only its owner (the operator, and Caddy, which runs as them) reaches it, and the server takes
 * whoever `X-Rockpool-User` names there, as it does for the edge. So the operator's CLI may act as
 * any user, as an admin may in the dashboard, and needs no password.
 */
export function controlPlaneAs(
  dataDir: string,
  user: string,
  send: Send = requestOnServerSocket,
): ControlPlane {
  const socketPath = dataDirLayout(dataDir).serverSocket;
  return {
    user,
    async request<T>(method: string, path: string, body?: unknown): Promise<T> {
      const answer = await send(socketPath, { method, path, headers: { [USER_HEADER]: user }, body }).catch(
        (error: NodeJS.ErrnoException) => {
          if (error.code === 'ENOENT' || error.code === 'ECONNREFUSED')
            throw new ControlPlaneError(
              'not_running',
              0,
              `Rockpool is not running (no control plane on ${socketPath}); start it with \`rockpool up\``,
            );
          if (error.code === 'EACCES')
            throw new ControlPlaneError(
              'socket_denied',
              0,
              `${socketPath} is not yours: run rockpool as the user who owns the data dir`,
            );
          throw error;
        },
      );
      if (answer.status < 200 || answer.status > 299) throw errorOf(answer.status, answer.body);
      return answer.body as T;
    },
  };
}

/**
 * Who the CLI acts as: `named` (a basic-auth user must exist; an identity with a `/`, as
 * `github.com/alice`, has no row and is taken as it is), else the first admin of the users table.
 */
export function actingUser(users: Pick<UserStore, 'list' | 'find'>, named: string | undefined): string {
  if (named !== undefined) {
    // A header carries it: printable ASCII without spaces, as every identity the edge names.
    if (!/^[\x21-\x7e]+$/.test(named) || (!named.includes('/') && !users.find(named)))
      throw new ControlPlaneError(
        'unknown_user',
        0,
        `no user ${JSON.stringify(named)} (\`rockpool user list\` lists them; a GitHub user is github.com/LOGIN)`,
      );
    return named;
  }
  const [first] = users
    .list()
    .filter((user) => user.role === 'admin')
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.name.localeCompare(b.name));
  if (!first)
    throw new ControlPlaneError(
      'no_admin',
      0,
      'no admin in the users table to act as: name one with --as USER (e.g. --as github.com/alice)',
    );
  return first.name;
}

/** The control plane of the data dir, as `--as` says (default: the first admin). */
export async function controlPlaneFor(dataDir: string, named: string | undefined): Promise<ControlPlane> {
  // Opening the database would create it: a data dir Rockpool never ran in has no users to act as.
  if (!existsSync(dataDirLayout(dataDir).database))
    throw new ControlPlaneError(
      'not_running',
      0,
      `Rockpool has never run with the data dir ${dataDir}; start it with \`rockpool up\``,
    );
  return controlPlaneAs(dataDir, await withUsers(dataDir, (users) => actingUser(users, named)));
}
