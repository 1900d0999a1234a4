import { assertPort, assertWorkspaceName, isWorkspaceName, portProblem } from './names.js';

/*
 * Where a workspace's IDE and forwarded ports are reached, in one of two routing modes:
 * - `path`: every IDE and app under one origin, `{origin}/workspace/{name}/` and
 *   `{origin}/workspace/{name}/port/{port}/`. Needs no DNS, but an app's JavaScript shares its
 *   origin with every IDE.
 * - `subdomain`: an origin each, `{name}.{domain}` for the IDE and `{port}--{name}.{domain}` for a
 *   port. One label per host, so a single wildcard certificate (`*.{domain}`) covers them all; the
 *   name rule (no `--`, at most 56 characters) keeps every host unambiguous and within a DNS label.
 * The server, the CLI, the dashboard and the edge all build links and parse hosts with these
 * functions, so a link always leads where the edge routes.
 */

export const ROUTING_MODES = ['path', 'subdomain'] as const;
export type RoutingMode = (typeof ROUTING_MODES)[number];

export const isRoutingMode = (value: unknown): value is RoutingMode =>
  typeof value === 'string' && (ROUTING_MODES as readonly string[]).includes(value);

export type WorkspaceAddressing =
  /** `origin` is scheme, host and maybe port, e.g. `https://rockpool.example.com:8081`. */
  | { mode: 'path'; origin: string }
  /**
   * `domain` is the parent of every workspace host, e.g. `ws.rockpool.example.com`; `port` is the
   * edge's port when it is not the scheme's default.
   */
  | { mode: 'subdomain'; scheme: 'http' | 'https'; domain: string; port?: number };

/** Separates the port from the workspace name in a port's host label (`3000--alice`). */
const PORT_LABEL_SEPARATOR = '--';

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const DOMAIN = new RegExp(`^(?=.{1,253}$)(?:${LABEL}\\.)*${LABEL}$`);

/** Why `domain` can't be a workspace domain, or undefined when it can. */
export function workspaceDomainProblem(domain: unknown): string | undefined {
  if (typeof domain !== 'string' || domain.length === 0) return 'a workspace domain is required';
  if (!DOMAIN.test(domain))
    return `${JSON.stringify(domain)} is not a lowercase DNS name (labels of letters, digits and inner hyphens, separated by dots)`;
  if (/^\d+(?:\.\d+){3}$/.test(domain))
    return 'a workspace domain is a DNS name, not an IP address: subdomains need names';
  return undefined;
}

function assertWorkspaceDomain(domain: string): void {
  const problem = workspaceDomainProblem(domain);
  if (problem) throw new RangeError(`invalid workspace domain: ${problem}`);
}

/** The host of a workspace's IDE in subdomain mode: `{name}.{domain}`. */
export function ideHost(name: string, domain: string): string {
  assertWorkspaceName(name);
  assertWorkspaceDomain(domain);
  return `${name}.${domain}`;
}

/** The host of a forwarded port in subdomain mode: `{port}--{name}.{domain}`. */
export function portHost(name: string, port: number, domain: string): string {
  assertWorkspaceName(name);
  assertPort(port);
  assertWorkspaceDomain(domain);
  return `${port}${PORT_LABEL_SEPARATOR}${name}.${domain}`;
}

export type WorkspaceHost = { name: string } | { name: string; port: number };

/**
 * What a request's host (no port; any case) names under `domain`: a workspace's IDE, one of its
 * ports, or nothing (another domain, a deeper name, a malformed label).
 */
export function parseWorkspaceHost(host: string, domain: string): WorkspaceHost | undefined {
  const suffix = `.${domain}`;
  const lower = host.toLowerCase();
  if (!lower.endsWith(suffix)) return undefined;
  const label = lower.slice(0, -suffix.length);
  if (label.includes('.')) return undefined;
  const at = label.indexOf(PORT_LABEL_SEPARATOR);
  if (at < 0) return isWorkspaceName(label) ? { name: label } : undefined;
  const digits = label.slice(0, at);
  const name = label.slice(at + PORT_LABEL_SEPARATOR.length);
  // Digits only, no leading zero: exactly one label per port, so a host never has two spellings.
  if (!/^[1-9]\d{0,4}$/.test(digits)) return undefined;
  const port = Number(digits);
  if (portProblem(port) !== undefined || !isWorkspaceName(name)) return undefined;
  return { name, port };
}

function subdomainOrigin(
  addressing: Extract<WorkspaceAddressing, { mode: 'subdomain' }>,
  host: string,
): string {
  const defaultPort = addressing.scheme === 'https' ? 443 : 80;
  const port = addressing.port === undefined || addressing.port === defaultPort ? '' : `:${addressing.port}`;
  return `${addressing.scheme}://${host}${port}`;
}

/** The URL of a workspace's IDE (always ends in `/`). */
export function ideUrl(addressing: WorkspaceAddressing, name: string): string {
  if (addressing.mode === 'path') {
    assertWorkspaceName(name);
    return `${addressing.origin}/workspace/${name}/`;
  }
  return `${subdomainOrigin(addressing, ideHost(name, addressing.domain))}/`;
}

/** The URL of a forwarded port (always ends in `/`). */
export function portUrl(addressing: WorkspaceAddressing, name: string, port: number): string {
  if (addressing.mode === 'path') {
    assertWorkspaceName(name);
    assertPort(port);
    return `${addressing.origin}/workspace/${name}/port/${port}/`;
  }
  return `${subdomainOrigin(addressing, portHost(name, port, addressing.domain))}/`;
}

const WILDCARD = '*.';

/**
 * The addressing as one string, the form `rockpool up` gives the server (ROCKPOOL_WORKSPACE_URL) and
 * the edge's header carries: the workspaces' origin in path mode (`http://localhost:8081`), a
 * wildcard origin in subdomain mode (`https://*.ws.example.com:8443`, as in a CSP source).
 */
export function formatAddressing(addressing: WorkspaceAddressing): string {
  if (addressing.mode === 'path') return addressing.origin;
  assertWorkspaceDomain(addressing.domain);
  return subdomainOrigin(addressing, `${WILDCARD}${addressing.domain}`);
}

/** The addressing {@link formatAddressing} wrote, or undefined for anything else. */
export function parseAddressing(text: string): WorkspaceAddressing | undefined {
  const wildcard = /^(https?):\/\/\*\.([^/:]+)(?::(\d{1,5}))?$/.exec(text);
  if (wildcard) {
    const [, scheme, domain, port] = wildcard as unknown as [string, 'http' | 'https', string, string?];
    if (workspaceDomainProblem(domain) !== undefined) return undefined;
    const addressing: WorkspaceAddressing = {
      mode: 'subdomain',
      scheme,
      domain,
      ...(port === undefined ? {} : { port: Number(port) }),
    };
    return addressing.port === undefined || portProblem(addressing.port) === undefined
      ? addressing
      : undefined;
  }
  if (!URL.canParse(text)) return undefined;
  const url = new URL(text);
  const isOrigin = (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === text;
  return isOrigin ? { mode: 'path', origin: text } : undefined;
}

/**
 * Whether `url` is on a workspace's origin: in path mode the one origin, in subdomain mode an IDE's
 * or a port's host under the domain, with the addressing's scheme and port. The sign-in page sends
 * a browser back only there (or to the control plane), never to another site.
 */
export function isWorkspaceUrl(addressing: WorkspaceAddressing, url: string): boolean {
  if (!URL.canParse(url)) return false;
  const target = new URL(url);
  if (addressing.mode === 'path') return target.origin === addressing.origin;
  if (target.username !== '' || target.password !== '') return false;
  const host = parseWorkspaceHost(target.hostname, addressing.domain);
  return host !== undefined && target.origin === subdomainOrigin(addressing, target.hostname);
}
