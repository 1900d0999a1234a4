/**
 * Who may reach a forwarded port, as Coder has it: `private` the workspace's owner only (the
 * default), `authenticated` anyone signed in to this Rockpool, `public` anyone, without signing in
 * (only where an admin allows public ports: ROCKPOOL_PUBLIC_PORTS).
 */
export const PORT_SHARING_LEVELS = ['private', 'authenticated', 'public'] as const;
export type PortSharing = (typeof PORT_SHARING_LEVELS)[number];
export const DEFAULT_PORT_SHARING: PortSharing = 'private';

export function isPortSharing(value: unknown): value is PortSharing {
  return typeof value === 'string' && (PORT_SHARING_LEVELS as readonly string[]).includes(value);
}
