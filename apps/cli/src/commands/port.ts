import {
  MAX_PORTS_PER_WORKSPACE,
  PORT_SHARING_LEVELS,
  type Port,
  PUBLIC_PORTS_SETTING,
} from '@rockpool/model';
import { controlPlaneFor } from '../control-plane.js';
import { dataDirFromEnv } from '../settings.js';
import { portTable } from '../table.js';
import { parsePortArgs } from './api-args.js';
import type { CommandIo } from './init.js';
import { ACTING_USER_HELP } from './workspace.js';

export const PORT_HELP = `Usage: rockpool port <list|add|share|remove> WORKSPACE ... [--as USER] [--json]

  port list WORKSPACE                          Its forwarded ports: port, sharing, listening, URL
  port add WORKSPACE PORT [--sharing LEVEL]    Forward a guest port (at most ${MAX_PORTS_PER_WORKSPACE}); private unless --sharing
  port share WORKSPACE PORT LEVEL              Change who may reach a forwarded port
  port remove WORKSPACE PORT                   Stop forwarding it

Sharing levels (LEVEL): ${PORT_SHARING_LEVELS.join(', ')}.
  private        the workspace's owner only (the default)
  authenticated  anyone signed in to this Rockpool
  public         anyone, without signing in; only where an admin allows public ports
                 (${PUBLIC_PORTS_SETTING}), else the API refuses it (public_ports_disabled)

PORT is 1-65535. --json prints the API's objects instead (list: an array; remove: nothing).

${ACTING_USER_HELP}
`;

export async function port(argv: string[], io: CommandIo): Promise<number> {
  const command = parsePortArgs(argv);
  const api = await controlPlaneFor(dataDirFromEnv(io.env), command.as);
  const print = (value: unknown, text: string) =>
    io.output.write(command.json ? `${JSON.stringify(value, null, 2)}\n` : text);
  const ports = `/api/workspaces/${encodeURIComponent(command.workspace)}/ports`;
  switch (command.verb) {
    case 'list': {
      const { items } = await api.request<{ items: Port[] }>('GET', ports);
      print(items, portTable(command.workspace, items));
      return 0;
    }
    case 'add': {
      const body = { port: command.port, ...(command.sharing ? { sharing: command.sharing } : {}) };
      const added = await api.request<Port>('POST', ports, body);
      print(added, `Forwarded port ${added.port} of ${command.workspace} (${added.sharing}): ${added.url}\n`);
      return 0;
    }
    case 'share': {
      const changed = await api.request<Port>('PATCH', `${ports}/${command.port}`, {
        sharing: command.sharing,
      });
      print(
        changed,
        `Port ${changed.port} of ${command.workspace} is now ${changed.sharing}: ${changed.url}\n`,
      );
      return 0;
    }
    case 'remove':
      await api.request('DELETE', `${ports}/${command.port}`);
      if (!command.json)
        io.output.write(`Stopped forwarding port ${command.port} of ${command.workspace}.\n`);
      return 0;
  }
}
