/**
 * The admin settings of the edge's access rules, read by `rockpool up` (the edge's routes), the
 * server (which refuses what the edge would not serve) and the worker (which tells the edge who
 * the admins are). The two switches are off unless set.
 */
/** Admins may open other users' IDEs; every such request is marked in the access log. */
export const ADMIN_IDE_ACCESS_SETTING = 'ROCKPOOL_ADMIN_IDE_ACCESS';
/** Ports shared `public` answer without sign-in. */
export const PUBLIC_PORTS_SETTING = 'ROCKPOOL_PUBLIC_PORTS';
/** Identities that are admins whatever the users table says (GitHub users have no row). */
export const ADMINS_SETTING = 'ROCKPOOL_ADMINS';

/** A comma-separated list setting: its trimmed, non-empty items. */
export function listSetting(env: Record<string, string | undefined>, name: string): string[] {
  return (env[name] ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

/** An on/off setting: `true`/`1`/`on`, `false`/`0`/`off`, or unset (off). Anything else throws, naming it. */
export function booleanSetting(env: Record<string, string | undefined>, name: string): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return false;
  if (['true', '1', 'on', 'yes'].includes(raw)) return true;
  if (['false', '0', 'off', 'no'].includes(raw)) return false;
  throw new RangeError(`${name} must be true or false (got ${JSON.stringify(env[name])})`);
}
