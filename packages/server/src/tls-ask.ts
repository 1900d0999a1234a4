import { timingSafeEqual } from 'node:crypto';
import type { PortStore, WorkspaceStore } from '@rockpool/db';
import { parseWorkspaceHost, workspaceDomainProblem } from '@rockpool/model';

/*
 * Caddy's on-demand TLS asks the control plane before it requests a certificate for a workspace
 * host (see @rockpool/caddy's on-demand-tls.ts). Yes only for an existing workspace's IDE host and
 * a registered port's host under the workspace domain: any other name would let anyone who can
 * open a TLS connection make the edge spend the CA's rate limits on made-up names.
 */

/** What the decision needs to know about workspaces (the database in the server). */
export interface WorkspaceLookups {
  workspaceExists(name: string): boolean;
  portRegistered(name: string, port: number): boolean;
}

export type CertificateDecision =
  | { allow: true }
  | {
      allow: false;
      status: 403 | 404;
      code: 'no_workspace_domain' | 'not_a_workspace_host' | 'unknown_workspace' | 'unregistered_port';
      message: string;
    };

/** Whether the edge may obtain a certificate for `host` (an SNI name) with workspaces under `domain`. */
export function decideWorkspaceCertificate(
  host: string,
  domain: string | undefined,
  lookups: WorkspaceLookups,
): CertificateDecision {
  if (domain === undefined || workspaceDomainProblem(domain) !== undefined)
    return {
      allow: false,
      status: 403,
      code: 'no_workspace_domain',
      message: 'No valid workspace domain is configured: no workspace host gets a certificate.',
    };
  const target = parseWorkspaceHost(host, domain);
  if (!target)
    return {
      allow: false,
      status: 403,
      code: 'not_a_workspace_host',
      message: `Only a workspace's host ({name}.${domain}) or a port's ({port}--{name}.${domain}) gets a certificate on demand.`,
    };
  if (!lookups.workspaceExists(target.name))
    return { allow: false, status: 404, code: 'unknown_workspace', message: 'No such workspace.' };
  if ('port' in target && !lookups.portRegistered(target.name, target.port))
    return { allow: false, status: 404, code: 'unregistered_port', message: 'No such forwarded port.' };
  return { allow: true };
}

/** Whether `given` is the ask token `expected` (constant time); an empty expected token matches nothing. */
export function isTlsAskToken(given: string, expected: string): boolean {
  const [a, b] = [Buffer.from(given), Buffer.from(expected)];
  return b.length > 0 && a.length === b.length && timingSafeEqual(a, b);
}

/** The lookups over the database's stores. */
export function storeLookups(workspaces: WorkspaceStore, ports: PortStore): WorkspaceLookups {
  // `find` takes an id too: only a workspace of that very name counts.
  const named = (name: string) => {
    const workspace = workspaces.find(name);
    return workspace?.name === name ? workspace : undefined;
  };
  return {
    workspaceExists: (name) => named(name) !== undefined,
    portRegistered: (name, port) => {
      const workspace = named(name);
      return workspace !== undefined && ports.list(workspace.id).some((p) => p.port === port);
    },
  };
}
