import type { Workspace, WorkspacePage } from '@rockpool/model';
import { type ControlPlane, controlPlaneFor } from '../control-plane.js';
import { dataDirFromEnv } from '../settings.js';
import { workspaceTable } from '../table.js';
import { parseWorkspaceArgs, type WorkspaceCommand } from './api-args.js';
import type { CommandIo } from './init.js';
import { waitUntilSettled } from './workspace-wait.js';

/** Who the API commands act as, and why that is safe: said in each one's --help and the README. */
export const ACTING_USER_HELP = `The command talks to the control plane on its unix socket in the data dir (mode 0600: only the
user who runs Rockpool reaches it, no password needed) and acts as the user --as names: a
basic-auth user (\`rockpool user list\`) or an identity such as github.com/alice. Without --as it
acts as the first admin. An admin sees and acts on every workspace; a member on their own only.

Errors from the API are printed as one line with their code (e.g. not_found), exit status 1.`;

export const WORKSPACE_HELP = `Usage: rockpool workspace <list|create|start|stop|suspend|delete> ... [--wait] [--as USER] [--json]
       (alias: rockpool ws)

  workspace list                               Every workspace you may see: name, state, owner, IDE URL
  workspace create NAME [--cpus N] [--memory MiB]
                                               Create one (it boots in the background: list shows
                                               its state; defaults: the server's)
  workspace start NAME                         Start a stopped one, resume a suspended one, retry one in error
  workspace stop NAME                          Shut it down (its disk is kept)
  workspace suspend NAME                       Save its memory to disk and end its VM; start resumes it
  workspace delete NAME                        Delete it: its routes, VM and disk

NAME is a workspace's name or its id (ws_...). The API answers as soon as it has accepted an
action; with --wait the command returns once it is done (running, stopped, suspended or deleted;
exit status 1 when the workspace ends in error, with the reason). --json prints the API's objects
instead, for scripts (list: an array of every workspace; delete --wait: nothing).

${ACTING_USER_HELP}
`;

const ACTION_PATHS = { start: '/start', stop: '/stop', suspend: '/suspend', delete: '' } as const;

/** Every workspace `api` may see, page by page. */
export async function listWorkspaces(api: ControlPlane): Promise<Workspace[]> {
  const all: Workspace[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const page: WorkspacePage = await api.request<WorkspacePage>('GET', `/api/workspaces?limit=200${query}`);
    all.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return all;
}

/** What an accepted command says, for people. */
function accepted(command: WorkspaceCommand, w: Workspace): string {
  if (command.verb === 'create')
    return `Created ${w.name} (owner ${w.owner}): ${w.state}. Its IDE, once running: ${w.ideUrl}\n`;
  return `${w.name}: ${w.state}.\n`;
}

/** Where `--wait` left the workspace, for people. */
function settledLine(w: Workspace): string {
  if (w.state === 'error') return `${w.name}: error: ${w.error ?? 'no reason given'}\n`;
  if (w.state === 'running') return `${w.name}: running. IDE: ${w.ideUrl}\n`;
  return `${w.name}: ${w.state}.\n`;
}

export async function workspace(argv: string[], io: CommandIo): Promise<number> {
  const command = parseWorkspaceArgs(argv);
  const api = await controlPlaneFor(dataDirFromEnv(io.env), command.as);
  const print = (value: unknown, text: string) =>
    io.output.write(command.json ? `${JSON.stringify(value, null, 2)}\n` : text);
  if (command.verb === 'list') {
    const workspaces = await listWorkspaces(api);
    print(workspaces, workspaceTable(workspaces));
    return 0;
  }
  const answer =
    command.verb === 'create'
      ? await api.request<Workspace>('POST', '/api/workspaces', {
          name: command.name,
          ...(command.cpus === undefined ? {} : { cpus: command.cpus }),
          ...(command.memoryMiB === undefined ? {} : { memoryMiB: command.memoryMiB }),
        })
      : await api.request<Workspace>(
          command.verb === 'delete' ? 'DELETE' : 'POST',
          `/api/workspaces/${encodeURIComponent(command.workspace)}${ACTION_PATHS[command.verb]}`,
        );
  if (!command.wait) {
    print(answer, accepted(command, answer));
    return 0;
  }
  const settled = await waitUntilSettled(api, answer.id);
  if (settled === 'deleted') {
    if (!command.json) io.output.write(`Deleted ${answer.name}.\n`);
    return 0;
  }
  print(settled, settledLine(settled));
  return settled.state === 'error' ? 1 : 0;
}
