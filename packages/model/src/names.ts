/**
 * Workspace names are DNS-label slugs: they become Caddy route ids, URL path segments, host names,
 * VM names and file names, so one rule holds everywhere a name reaches. Hyphens are single: `--`
 * separates a port from the name in a forwarded port's host (`3000--alice`, see addressing.ts), and
 * 56 characters leave room in one DNS label (63) for the longest port and that separator.
 */
export const WORKSPACE_NAME_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

export const MAX_WORKSPACE_NAME_LENGTH = 56;

/** Returns why `name` is not a valid workspace name, or undefined when it is. */
export function workspaceNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string' || name.length === 0) return 'a workspace name is required';
  if (name.length > MAX_WORKSPACE_NAME_LENGTH)
    return `a workspace name has at most ${MAX_WORKSPACE_NAME_LENGTH} characters (got ${name.length})`;
  if (!WORKSPACE_NAME_PATTERN.test(name))
    return 'a workspace name uses lowercase letters, digits and single inner hyphens only (a DNS label, e.g. "my-app-2")';
  return undefined;
}

export function isWorkspaceName(name: unknown): name is string {
  return workspaceNameProblem(name) === undefined;
}

/** Returns why `port` is not a forwardable TCP port, or undefined when it is. */
export function portProblem(port: unknown): string | undefined {
  if (typeof port !== 'number' || !Number.isInteger(port)) return 'a port is an integer from 1 to 65535';
  if (port < 1 || port > 65535) return `port ${port} is outside 1-65535`;
  return undefined;
}

export function assertWorkspaceName(name: string): void {
  const problem = workspaceNameProblem(name);
  if (problem) throw new RangeError(`invalid workspace name ${JSON.stringify(name)}: ${problem}`);
}

export function assertPort(port: number): void {
  const problem = portProblem(port);
  if (problem) throw new RangeError(`invalid port ${JSON.stringify(port)}: ${problem}`);
}

/** Ports one workspace may forward at a time. */
export const MAX_PORTS_PER_WORKSPACE = 5;
