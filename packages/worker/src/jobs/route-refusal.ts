import { CaddyAdminError } from '@rockpool/caddy';

/**
 * Why a workspace's route cannot be written, when that is not transient: Caddy refused the config
 * (400: it does not load), or the route builder refused the route (a RangeError, e.g. an upstream
 * address that is no address). Writing the same route again gets the same answer, so it becomes
 * the workspace's error instead of a retry. Undefined for any other failure (Caddy unreachable...).
 */
export function refusalOf(error: unknown): string | undefined {
  if (error instanceof CaddyAdminError && error.status === 400) return error.caddyMessage;
  if (error instanceof RangeError) return error.message;
  return undefined;
}

/** The error a workspace shows when the edge refused its route. */
export function routeRefusedMessage(workspace: string, reason: string): string {
  return `The edge (Caddy) refused the route of ${workspace}: ${reason}`;
}
