import type { MatcherSet, Route } from '../config/types.js';
import { jsonErrorBody } from '../edge/json-error.js';
import { htmlPage } from './edge-errors.js';

/*
 * A forwarded-port URL whose port is not registered: 404 `port_not_registered`, saying how to
 * register it. VS Code's port links point at these URLs (the guest's VSCODE_PROXY_URI), so an owner
 * often lands here in a browser: a browser (Accept: text/html) gets a small page, anything else the
 * JSON error. Only a numeric port is ever put into the page: the path (or Host) is the client's.
 */

/**
 * The routes that answer it, for the subroute of a port's requests; `unregistered` matches them,
 * `numericPort` narrows them to a numeric port (see WorkspaceAddressingRules).
 */
export function portNotRegisteredRoutes(
  unregistered: MatcherSet,
  numericPort: MatcherSet,
  name: string,
  port: string,
): Route[] {
  return [
    {
      match: [
        {
          ...unregistered,
          ...numericPort,
          header: { Accept: ['*text/html*'] },
        },
      ],
      handle: [
        {
          handler: 'static_response',
          status_code: 404,
          headers: { 'Content-Type': ['text/html; charset=utf-8'] },
          body: htmlPage(
            `Port ${port} is not forwarded`,
            `Workspace <b>${name}</b> does not forward port ${port}, so this address reaches nothing.</p>` +
              `<p>To forward it, open the workspace in the Rockpool dashboard and add port ${port} under Ports, ` +
              `or ask the control plane: <code>POST /api/workspaces/${name}/ports</code> with the body ` +
              // The braces as entities: Caddy would take literal ones for a placeholder.
              `<code>&#123;"port": ${port}&#125;</code>. The <code>rockpool</code> command has no port command yet.</p>` +
              '<p>Then reload this page.',
          ),
        },
      ],
      terminal: true,
    },
    {
      match: [unregistered],
      handle: [
        {
          handler: 'static_response',
          status_code: 404,
          headers: { 'Content-Type': ['application/json'] },
          body: jsonErrorBody(
            'port_not_registered',
            `This port is not registered for workspace ${name}. Register it with POST /api/workspaces/{id}/ports.`,
          ),
        },
      ],
      terminal: true,
    },
  ];
}
